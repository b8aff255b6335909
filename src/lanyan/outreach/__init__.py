"""Public fire-safety education (宣传教育培训): activities, education bases, volunteers."""
