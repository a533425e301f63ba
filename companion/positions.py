"""Where on the page a link sits: content, navigation, header, footer, sidebar, comments.

How a position is decided:

1. Each ancestor of the link may open a *region* (the link itself only by an
   ARIA role: a class on a link names its style, "nav-link", not a region):
   * semantic elements: `nav` → navigation, `aside` → sidebar, `header` → header,
     `footer` → footer;
   * ARIA roles: navigation, complementary (sidebar), banner (header),
     contentinfo (footer);
   * id/class hints, matched on whole words of the id and class names: menu, nav,
     breadcrumb → navigation; sidebar, widget → sidebar; footer → footer;
     masthead, header → header; comment(s), disqus, respond → comments.
2. A `header`/`footer` element, or a header/footer class hint, inside `article`,
   `main` or `section` is that section's own header or footer (a byline, the
   post's tags), not the page's banner or footer, so it opens no region (the
   HTML-AAM mapping of header/footer to banner/contentinfo follows the same rule).
   An explicit `role` always counts.
3. A class hint on an element that contains the page's main content (`main`,
   `article`, `role=main`) is a layout wrapper ("has-sidebar", "with-nav"), not a
   region; so are `html` and `body`, whose classes describe the whole page.
4. The **outermost** region wins: a `nav` inside a `footer` is footer, a widget
   inside a sidebar is sidebar. (Screaming Frog reports the innermost and calls
   footer menus "navigation".)
5. A link in no region is `content`.

Results are memoised per element, so a page with thousands of links in deep
markup costs one look at each distinct ancestor, not one walk per link. (A
region-first XPath pass over every element was tried: it cost more than parsing.)
"""

from __future__ import annotations

import re

POSITIONS = ("content", "navigation", "header", "footer", "sidebar", "comments")

_TAG_REGION = {"nav": "navigation", "aside": "sidebar", "header": "header", "footer": "footer"}
_ROLE_REGION = {"navigation": "navigation", "complementary": "sidebar", "banner": "header", "contentinfo": "footer"}
_SECTIONING = frozenset({"article", "main", "section"})
_SECTION_ROLES = frozenset({"main", "article", "region"})
_MAIN_XPATH = ".//main | .//article | .//*[@role='main']"

_HINTS: list[tuple[str, re.Pattern]] = [
    ("comments", re.compile(r"^(comments?|comment[-_]?(list|area|section|thread|s[-_]area)|commentlist|disqus(_thread)?|respond|responses|discussion)$")),
    ("footer", re.compile(r"^(footer|site[-_]?footer|page[-_]?footer|global[-_]?footer|colophon|footer[-_]?(wrap|wrapper|widgets|links|nav|menu|area|inner|container|bottom|top))$")),
    ("sidebar", re.compile(r"^(sidebar|side[-_]?bar|sidebar[-_]?\w+|\w+[-_]sidebar|widget|widgets|widget[-_]area|secondary[-_]?column|right[-_]?rail|rail)$")),
    ("navigation", re.compile(r"^(nav|navbar|navigation|nav[-_]?(bar|menu|links|main|primary|wrapper|list)|(main|primary|top|site|global|sub|mobile)[-_]?(nav|navigation|menu)|menu|menubar|mega[-_]?menu|breadcrumbs?|breadcrumb[-_]?\w+)$")),
    ("header", re.compile(r"^(masthead|site[-_]?header|page[-_]?header|global[-_]?header|header|header[-_]?(wrap|wrapper|inner|container|top|bar))$")),
]
_WRAPPER_PREFIX = re.compile(r"^(has|with|no|is|show|hide|open|toggle|js|layout)[-_]")
_SEPARATORS = re.compile(r"\s+")


def _hint_region(el) -> str | None:
    names = []
    cls = el.get("class")
    if cls:
        names.extend(_SEPARATORS.split(cls.strip().lower()))
    ident = el.get("id")
    if ident:
        names.append(ident.strip().lower())
    for name in names:
        if not name or _WRAPPER_PREFIX.match(name):
            continue
        for region, pattern in _HINTS:
            if pattern.match(name):
                return region
    return None


_PREFILTER = re.compile(r"nav|menu|crumb|side|widget|rail|foot|colophon|head|mast|comment|disqus|respond|discussion|secondary", re.I)


class PositionFinder:
    """Classifies link elements of one document; create one per document."""

    def __init__(self) -> None:
        # element -> (outermost region of el and its ancestors or None, inside a sectioning element)
        self._memo: dict = {}

    @staticmethod
    def _own_region(el, tag: str, role: str, in_section: bool) -> str | None:
        if role in _ROLE_REGION:
            return _ROLE_REGION[role]
        region = _TAG_REGION.get(tag)
        if region:
            if region in ("header", "footer") and in_section:
                return None
            return region
        if tag in ("html", "body", "main", "article"):
            return None
        hints = (el.get("class") or "") + " " + (el.get("id") or "")
        if len(hints) < 4 or not _PREFILTER.search(hints):
            return None
        region = _hint_region(el)
        if region is None:
            return None
        if region in ("header", "footer") and in_section:
            return None
        if el.xpath(_MAIN_XPATH):
            return None  # a layout wrapper around the main content
        return region

    def position(self, el) -> str:
        """The link's region. The link itself opens one only by an ARIA role: its
        class names its own style ("nav-link", "footer-link"), not a page region,
        and skipping it spares a look at every link (half of this walk's cost)."""
        parent = el.getparent()
        if parent is None:
            region = None
        else:
            state = self._memo.get(parent)  # siblings share a parent: usually known already
            region = state[0] if state is not None else self._region(parent)
        if region is None:
            role = el.get("role")
            region = _ROLE_REGION.get(role.strip().lower()) if role else None
        return region or "content"

    def _region(self, el) -> str | None:
        """The outermost region of `el` and its ancestors (None: content), memoised."""
        memo = self._memo
        chain = []
        node = el
        state = None
        while node is not None:
            state = memo.get(node)
            if state is not None:
                break
            chain.append(node)
            node = node.getparent()
        region, in_section = state if state is not None else (None, False)
        for node in reversed(chain):
            if region is None:
                tag = node.tag
                tag = tag.lower() if isinstance(tag, str) else ""
                role = node.get("role")
                role = role.strip().lower() if role else ""
                region = self._own_region(node, tag, role, in_section)
                if tag in _SECTIONING or role in _SECTION_ROLES:
                    in_section = True
            memo[node] = (region, in_section)
        return region
