"""Geodesy shared by every domain: no database, no web, importable alone.

:mod:`lanyan.geo.crs` converts between WGS-84 and the Chinese map datums (GCJ-02 of Amap and
Tencent, BD-09 of Baidu), because Chinese departments' spreadsheets hold those.
"""
