"""AIF export in its xAIF JSON form, readable by AIFdb/OVA tools and by arguebuf.

In the Argument Interchange Format a unit is an information node (``I``); a link becomes a
scheme node between the two: a rule application (``RA``, "Default Inference") for support
and a conflict application (``CA``, "Default Conflict") for attack, with edges running
premise → scheme node → conclusion.
"""

from __future__ import annotations

import json
from typing import Any

from argmine.document import Document
from argmine.export._common import argument_units, links
from argmine.schema import RelationKind

_SCHEMES: dict[RelationKind, tuple[str, str]] = {
    RelationKind.SUPPORT: ("RA", "Default Inference"),
    RelationKind.ATTACK: ("CA", "Default Conflict"),
}


def to_aif(doc: Document, *, include_none: bool = False, indent: int | None = 2) -> str:
    """Write the argument structure as xAIF JSON: ``{"AIF": {"nodes", "edges", ...}, "text"}``.

    I-node ids are the unit indices (as strings), so a reader can map nodes back to units;
    scheme nodes and edges are numbered after them. ``AIF.locutions`` and
    ``AIF.participants`` stay empty: a mined monologue has no dialogue moves.

    Args:
        doc: The mined document.
        include_none: Also write I-nodes for units in no argument (left unconnected).
        indent: Indentation of the JSON text; ``None`` writes one line.

    Returns:
        The JSON text; ``"text"`` holds the whole document text.

    Examples:
        >>> from argmine import Document, Label, Relation, RelationKind, Unit
        >>> units = (Unit(0, "Talk.", 0, 5, label=Label.CLAIM),
        ...          Unit(1, "It helps.", 6, 15, label=Label.PREMISE))
        >>> doc = Document("d", "Talk. It helps.", units, (Relation(1, 0, RelationKind.SUPPORT),))
        >>> aif = json.loads(to_aif(doc))["AIF"]
        >>> [(n["nodeID"], n["type"], n["text"]) for n in aif["nodes"]]
        [('0', 'I', 'Talk.'), ('1', 'I', 'It helps.'), ('2', 'RA', 'Default Inference')]
        >>> [(e["fromID"], e["toID"]) for e in aif["edges"]]
        [('1', '2'), ('2', '0')]
    """
    units = argument_units(doc, include_none=include_none)
    nodes: list[dict[str, Any]] = [
        {"nodeID": str(u.index), "text": u.text, "type": "I"} for u in units
    ]
    edges: list[dict[str, Any]] = []
    drawn = {u.index for u in units}
    next_id = max(drawn, default=-1) + 1
    for source, rel in sorted(links(doc).items()):
        if source not in drawn or rel.target not in drawn:
            continue
        node_type, scheme = _SCHEMES[rel.kind]
        scheme_id = str(next_id)
        next_id += 1
        # "scheme" repeats the text because AIFdb readers take the scheme name from it.
        nodes.append({"nodeID": scheme_id, "text": scheme, "type": node_type, "scheme": scheme})
        for start, end in ((str(rel.source), scheme_id), (scheme_id, str(rel.target))):
            edges.append({"edgeID": str(len(edges)), "fromID": start, "toID": end})
    graph = {
        "AIF": {
            "nodes": nodes,
            "edges": edges,
            "locutions": [],
            "participants": [],
            "schemefulfillments": [],
        },
        "text": doc.text,
    }
    return json.dumps(graph, indent=indent, ensure_ascii=False)
