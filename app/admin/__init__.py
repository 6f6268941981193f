"""Running the desk without a developer: the interpreter pool, vendors, staff accounts and counter devices.

Every change is audited (who, when, what) through `app.audit.service.record`; the API, the `/admin`
screen and the `madoguchi` CLI all call the same functions here.
"""
