"""How roles are named to people: the Japanese label shown on staff pages."""

from __future__ import annotations

ROLE_JA = {
    "counter_staff": "窓口職員",
    "counselor": "相談員",
    "coordinator": "コーディネーター",
    "admin": "管理者",
    "interpreter": "通訳者",
    "device": "登録端末",
}
