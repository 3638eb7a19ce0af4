"""Discord's size limits, checked by the fake so a message the real API would refuse
fails the test too (400, code 50035 "Invalid Form Body")."""

from __future__ import annotations

from typing import Any


def _embed_size(e: dict[str, Any]) -> int:
    fields = e.get("fields") or []
    return (
        len(e.get("title") or "")
        + len(e.get("description") or "")
        + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
    )


def message_problem(body: dict[str, Any]) -> str | None:
    if len(body.get("content") or "") > 2000:
        return "content: must be 2000 or fewer in length"
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        return "embeds: must be 10 or fewer"
    for e in embeds:
        if len(e.get("title") or "") > 256 or len(e.get("description") or "") > 4096:
            return "embed title/description too long"
        fields = e.get("fields") or []
        if len(fields) > 25:
            return "embed fields: must be 25 or fewer"
        for f in fields:
            if not f.get("name") or not f.get("value"):
                return "embed field name and value are required"
            if len(f["name"]) > 256 or len(f["value"]) > 1024:
                return "embed field too long"
    if sum(_embed_size(e) for e in embeds) > 6000:
        return "embeds: 6000 characters in all at most"
    rows = body.get("components") or []
    if len(rows) > 5:
        return "components: at most 5 action rows"
    for row in rows:
        if len(row.get("components", [])) > 5:
            return "action row: at most 5 components"
        for c in row.get("components", []):
            if len(c.get("custom_id", "")) > 100 or len(c.get("label") or "") > 80:
                return "component custom_id or label too long"
    return None


def modal_problem(data: dict[str, Any]) -> str | None:
    if not 1 <= len(data.get("title") or "") <= 45:
        return "modal title: 1 to 45 characters"
    if len(data.get("custom_id") or "") > 100:
        return "modal custom_id: 100 characters at most"
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        return "modal: 1 to 5 components"
    for top in components:
        if top["type"] == 18:
            if len(top.get("label") or "") > 45:
                return "label: 45 characters at most"
            inner = top["component"]
            if inner["type"] == 3 and not 1 <= len(inner.get("options", [])) <= 25:
                return "select: 1 to 25 options"
        elif top["type"] != 1:
            return f"modal component type {top['type']} is not allowed"
    return None
