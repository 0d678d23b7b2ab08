"""One module per resource, each with its own `APIRouter`; `api/main.py` assembles them."""
