"""The sync core: push (apply a batch of client mutations), pull (changes since a cursor).

The rules, in short (docs/API.md has the long version):

* Mutation ids are per device and consecutive. Ids at or below the device's last id return
  their stored result; a gap is refused before anything is applied; data, mutation results
  and the last id commit in one transaction (`push.py`, `mutations.py`).
* Each change is judged on its own (`applier.py`): applied, conflict (some fields kept the
  server value, the others were applied), rejected (nothing applied, reason recorded, id
  advanced), or retry (a referenced photo blob is missing: nothing recorded, the batch stops).
* Sequence numbers are per county, taken from a counter row locked for the whole push
  transaction (`sequence.py`), so commit order equals sequence order and a pull cursor
  (`cursor.py`, `pull.py`) never skips a change.

One module per job: `values.py` checks a sent value before anything is written,
`compare.py` decides whether two values are the same, `workflow.py` what a role may do,
`records.py` loads and writes records, `related.py` says which other records a batch needs,
`history.py` and `conflicts.py` own their tables.
"""
