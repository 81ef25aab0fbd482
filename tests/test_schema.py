import pytest

from argmine.errors import InputError
from argmine.schema import (
    LABELS,
    Label,
    RelationKind,
    Role,
    derive_roles,
    explain,
    label_for,
    labels_from_links,
)


def test_schema_label_for_follows_the_rule():
    assert label_for(Role.PROPONENT, None, is_root=True) is Label.CLAIM
    assert label_for(Role.PROPONENT, RelationKind.SUPPORT, is_root=False) is Label.PREMISE
    assert label_for(Role.OPPONENT, RelationKind.ATTACK, is_root=False) is Label.COUNTERARGUMENT
    assert label_for(Role.OPPONENT, RelationKind.SUPPORT, is_root=False) is Label.COUNTERARGUMENT
    assert label_for(Role.PROPONENT, RelationKind.ATTACK, is_root=False) is Label.REBUTTAL
    assert label_for(None, None, is_root=False) is Label.NONE


def test_schema_roles_flip_on_attack_and_keep_on_support():
    # 0 root; 1 supports 0; 2 attacks 0; 3 supports 2; 4 attacks 2; 5 attacks 4
    links = [(1, 0, "support"), (2, 0, "attack"), (3, 2, "support"), (4, 2, "attack"),
             (5, 4, "attack")]
    got = [lab.value for lab, _ in labels_from_links(7, links)]
    assert got == ["claim", "premise", "counterargument", "counterargument", "rebuttal",
                   "counterargument", "none"]
    roles = [r for _, r in labels_from_links(7, links)]
    assert roles[:6] == [Role.PROPONENT, Role.PROPONENT, Role.OPPONENT, Role.OPPONENT,
                         Role.PROPONENT, Role.OPPONENT]
    assert roles[6] is None


def test_schema_isolated_units_can_be_claims():
    (label, role), = labels_from_links(1, [], isolated=Label.CLAIM)
    assert label is Label.CLAIM and role is Role.PROPONENT


def test_schema_derive_roles_rejects_two_parents_and_cycles():
    with pytest.raises(ValueError):
        derive_roles(3, [(1, 0, RelationKind.SUPPORT), (1, 2, RelationKind.SUPPORT)])
    with pytest.raises(ValueError):
        derive_roles(2, [(0, 1, RelationKind.SUPPORT), (1, 0, RelationKind.SUPPORT)])


def test_schema_explain_knows_every_label_and_rejects_others():
    assert all(explain(label) for label in LABELS)
    assert "opponent" in explain("counterargument")
    with pytest.raises(InputError) as info:
        explain("warrant")
    assert info.value.code == "E001"
