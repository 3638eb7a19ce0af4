"""Neutral outbound content -> discord.py objects: message kwargs, embeds, buttons, modals."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.actions import PATTERN
from bot.messages import DEADLINE, Form, OutMessage, Reply, moments

# Discord's size limits; longer text is cut rather than refused by the API
CONTENT_MAX, EMBED_DESC_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FIELDS_MAX = 2000, 4096, 256, 1024, 25
EMBED_TOTAL_MAX = 6000
MODAL_TITLE_MAX, LABEL_MAX, OPTION_MAX, BUTTON_LABEL_MAX = 45, 45, 100, 80
EMBED_KINDS = ("leaderboard", "stats")

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def timestamp(msg: OutMessage) -> str:
    """``<t:UNIX:R>`` counts down in every member's client without edits."""
    if msg.deadline is None:
        return "soon"
    return f"<t:{int(msg.deadline.timestamp())}:R>"


def moment(text: str) -> str:
    """Each ``at()`` moment as a date and time in the reader's own zone, with how long until."""

    def show(at) -> str:
        unix = int(at.timestamp())
        return f"<t:{unix}:F> (<t:{unix}:R>)"

    return moments(text, show)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=PATTERN):
    """Any ``mr:`` button. Matched by pattern, so clicks work after a restart with no live view."""

    def __init__(self, action_id: str, label: str = "", style: str = "secondary") -> None:
        style_enum = STYLES.get(style, discord.ButtonStyle.secondary)
        button = discord.ui.Button(
            custom_id=action_id, label=clip(label, BUTTON_LABEL_MAX), style=style_enum
        )
        super().__init__(button)
        self.action_id = action_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match: Any, /
    ) -> ActionButton:
        button = item if isinstance(item, discord.ui.Button) else None
        made = cls(match.group(0), button.label or "" if button else "")
        if button is not None:
            made.item.style = button.style
        return made

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.answers.button(interaction, self.action_id)  # type: ignore[attr-defined]


def message_kwargs(msg: OutMessage) -> dict[str, Any]:
    """content / embed / view for ``send``; ``edit`` takes the same keys."""
    text = moment(msg.text.replace(DEADLINE, timestamp(msg)))
    missing = [mention(u.id) for u in msg.mentions if mention(u.id) not in text]
    lead = " ".join(missing)
    out: dict[str, Any] = {"content": None, "embed": None, "view": None}
    if msg.fields or msg.kind in EMBED_KINDS:
        embed = discord.Embed(title=clip(msg.title, 256) if msg.title else None)
        embed.description = clip(text, EMBED_DESC_MAX) if text else None
        for name, value in msg.fields[:FIELDS_MAX]:
            embed.add_field(
                name=clip(name, FIELD_NAME_MAX),
                value=clip(moment(value), FIELD_VALUE_MAX) or "-",
                inline=False,
            )
        out["embed"] = _fit(embed)
        out["content"] = lead or None
    else:
        body = f"**{msg.title}**\n{text}" if msg.title else text
        out["content"] = clip(f"{lead}\n{body}" if lead else body, CONTENT_MAX)
    if msg.buttons:
        view = discord.ui.View(timeout=None)
        for b in msg.buttons[:25]:
            view.add_item(ActionButton(b.action_id, b.label, b.style))
        out["view"] = view
    return out


def _fit(embed: discord.Embed) -> discord.Embed:
    """Discord refuses an embed over 6000 characters in all: shorten the text, then drop rows."""
    over = len(embed) - EMBED_TOTAL_MAX
    if over > 0 and embed.description:
        keep = max(0, len(embed.description) - over - 1)
        embed.description = clip(embed.description, keep) if keep else None
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def send_kwargs(msg: OutMessage) -> dict[str, Any]:
    """``send`` refuses an explicit None for embed and view: drop what is absent. Files
    (a chart, an invitation) go as attachments; a chart shows inside the embed."""
    out = {k: v for k, v in message_kwargs(msg).items() if v is not None}
    if msg.files:
        out["files"] = [discord.File(io.BytesIO(f.data), filename=f.name) for f in msg.files]
        embed = out.get("embed")
        image = next((f for f in msg.files if f.mime == "image/png"), None)
        if embed is not None and image is not None:
            embed.set_image(url=f"attachment://{image.name}")
    return out


def reply_kwargs(reply: Reply) -> dict[str, Any]:
    """What an interaction answer shows: the reply's text, then its message, then field problems."""
    out = send_kwargs(reply.message) if reply.message else {}
    lines = [reply.text] if reply.text else []
    if out.get("content"):
        lines.append(out["content"])
    lines += [f"- {field}: {problem}" for field, problem in reply.field_errors.items()]
    content = "\n".join(lines) or ("Something was not accepted." if reply.error else "Done.")
    out["content"] = clip(content, CONTENT_MAX)
    return out


class FormModal(discord.ui.Modal):
    """The rating form. Submissions are read from the raw interaction (see ``answers``), so a
    form opened before a restart is still accepted; this class only draws it."""

    def __init__(self, form: Form) -> None:
        super().__init__(
            title=clip(form.title, MODAL_TITLE_MAX), custom_id=form.form_id, timeout=None
        )
        for f in form.fields[:5]:
            item: discord.ui.Item
            if f.kind == "select":
                options = [
                    discord.SelectOption(
                        label=clip(c.label, OPTION_MAX),
                        value=c.value,
                        description=clip(c.description, OPTION_MAX) or None,
                    )
                    for c in f.choices[:25]
                ]
                item = discord.ui.Select(
                    custom_id=f.id,
                    options=options,
                    placeholder=clip(f.placeholder, 150) or None,
                    min_values=1 if f.required else 0,
                    max_values=1,
                    required=f.required,
                )
            else:
                item = discord.ui.TextInput(
                    custom_id=f.id,
                    style=discord.TextStyle.paragraph,
                    required=f.required,
                    max_length=min(f.max_length, 4000),
                    placeholder=clip(f.placeholder, 100) or None,
                )
            self.add_item(discord.ui.Label(text=clip(f.label, LABEL_MAX), component=item))


def form_values(components: list[dict[str, Any]]) -> tuple[dict[str, str], str]:
    """A modal submission's raw components -> ({select id: value}, comment text)."""
    values: dict[str, str] = {}
    comments: list[str] = []
    for top in components:
        inner = [top["component"]] if "component" in top else top.get("components", [])
        for c in inner:
            if "values" in c:
                if c["values"]:
                    values[c["custom_id"]] = str(c["values"][0])
            elif c.get("value"):
                comments.append(str(c["value"]))
    return values, "\n".join(comments)
