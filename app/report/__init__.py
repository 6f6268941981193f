"""Case statistics for the ten municipalities: monthly rollups, dashboard, exports, small-cell suppression."""

from app.report import staleness as _staleness  # noqa: F401 - registers the session hook that marks stale months
