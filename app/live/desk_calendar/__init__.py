"""The desk calendar as data: hours per weekday, holidays, closures, extra open days and vendor hours, each
version stored with the date it takes effect. The settings (MADOGUCHI_DESK_HOURS, ...) only seed the first."""
