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
region-first XPath pass over every element was tried: it cost more than parsing,
since libxml2's XPath pays for every element visited: docs/BENCHMARKS.md.) Class/id hints are decided once per
distinct (class, id) pair on a page, and the "holds the main content" check of
rule 3 is one XPath compiled once per process.
"""

from __future__ import annotations

import re

import lxml.etree

POSITIONS = ("content", "navigation", "header", "footer", "sidebar", "comments")

_TAG_REGION = {"nav": "navigation", "aside": "sidebar", "header": "header", "footer": "footer"}
_ROLE_REGION = {"navigation": "navigation", "complementary": "sidebar", "banner": "header", "contentinfo": "footer"}
_SECTIONING = frozenset({"article", "main", "section"})
_SECTION_ROLES = frozenset({"main", "article", "region"})

_HINTS: list[tuple[str, re.Pattern]] = [
    ("comments", re.compile(r"^(comments?|comment[-_]?(list|area|section|thread|s[-_]area)|commentlist|disqus(_thread)?|respond|responses|discussion)$")),
    ("footer", re.compile(r"^(footer|site[-_]?footer|page[-_]?footer|global[-_]?footer|colophon|footer[-_]?(wrap|wrapper|widgets|links|nav|menu|area|inner|container|bottom|top))$")),
    ("sidebar", re.compile(r"^(sidebar|side[-_]?bar|sidebar[-_]?\w+|\w+[-_]sidebar|widget|widgets|widget[-_]area|secondary[-_]?column|right[-_]?rail|rail)$")),
    ("navigation", re.compile(r"^(nav|navbar|navigation|nav[-_]?(bar|menu|links|main|primary|wrapper|list)|(main|primary|top|site|global|sub|mobile)[-_]?(nav|navigation|menu)|menu|menubar|mega[-_]?menu|breadcrumbs?|breadcrumb[-_]?\w+)$")),
    ("header", re.compile(r"^(masthead|site[-_]?header|page[-_]?header|global[-_]?header|header|header[-_]?(wrap|wrapper|inner|container|top|bar))$")),
]
_WRAPPER_PREFIX = re.compile(r"^(has|with|no|is|show|hide|open|toggle|js|layout)[-_]")


_PREFILTER = re.compile(r"nav|menu|crumb|side|widget|rail|foot|colophon|head|mast|comment|disqus|respond|discussion|secondary", re.I)
_UNKNOWN = object()
_OUTSIDE = (None, False)  # memo states of an element in no region
_IN_SECTION = (None, True)
_HEADER_FOOTER = frozenset({"header", "footer"})
_NO_HINTS = frozenset({"html", "body", "main", "article"})
# Does the element hold main content below it? Compiled once (an `el.xpath(".//main |
# ...")` per hinted element, compiled on every call, was a sixth of this module's cost).
# regexp=False: no EXSLT regular-expression functions registered per call (analyze._STRING).
_HAS_MAIN_CONTENT = lxml.etree.XPath("self::*[descendant::main or descendant::article or descendant::*[@role='main']]",
                                     regexp=False)

# The prefilter's case-insensitive alternation cost more than everything else per
# class string; on ASCII (nearly every class and id) lower-casing first and matching
# case-sensitively is the same test, and much faster (docs/BENCHMARKS.md).
_PREFILTER_LOWER = re.compile(_PREFILTER.pattern)


def _names_pattern(start: str, end: str) -> re.Pattern:
    """_HINTS as one regex, tried in their order, naming the region in `lastgroup`;
    a name with a wrapper prefix never matches. `start`/`end` delimit a name."""
    alternatives = "|".join(
        f"(?P<{region}>{re.sub(r'[(](?![?])', '(?:', pattern.pattern[1:-1])})" for region, pattern in _HINTS)
    wrapper = re.sub(r"[(](?![?])", "(?:", _WRAPPER_PREFIX.pattern[1:])
    return re.compile(f"{start}(?!{wrapper})(?:{alternatives}){end}")


# One search over a lower-cased class string (a name runs between whitespace) and one
# match of the whole id, instead of a split and up to six matches per name.
_CLASS_NAMES = _names_pattern(r"(?:^|(?<=\s))", r"(?=\s|\Z)")
_ID_NAME = _names_pattern("", r"\Z")


def _class_hint(cls: str | None, ident: str | None) -> str | None:
    """The region named by an element's class/id hints (rule 1), before rules 2 and 3:
    the first class name, else the id, that names one, in the order of _HINTS."""
    hints = (cls or "") + " " + (ident or "")
    if len(hints) < 4:
        return None
    if not (_PREFILTER_LOWER.search(hints.lower()) if hints.isascii() else _PREFILTER.search(hints)):
        return None
    if cls:
        match = _CLASS_NAMES.search(cls.lower())
        if match:
            return match.lastgroup
    if ident:
        match = _ID_NAME.match(ident.strip().lower())
        if match:
            return match.lastgroup
    return None


class PositionFinder:
    """Classifies link elements of one document; create one per document.

    Walks up from each link until it meets an element it has seen, then decides the
    new elements top-down. The first region met that way is the outermost one for
    everything below it, so every link below it is looked up at once (a C-level
    `iterdescendants`) and needs no walk of its own: most links sit in menus,
    sidebars and footers, and walking up from each new parent inside them was half
    of this class's cost.
    """

    def __init__(self) -> None:
        # element -> (outermost region of el and its ancestors or None, inside a sectioning element)
        self._memo: dict = {}
        # class, or (class, id) -> _class_hint: class strings repeat on a page (menu items, cards)
        self._hints: dict = {}
        # link element -> its region, for the links below every region found so far
        self._inside: dict = {}

    def position(self, el) -> str:
        """The link's region. The link itself opens one only by an ARIA role: its
        class names its own style ("nav-link", "footer-link"), not a page region,
        and skipping it spares a look at every link (half of this walk's cost)."""
        region = self._inside.get(el)
        if region is not None:
            return region
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
        if state is not None and state[0] is not None:
            for node in chain:  # inside a known region: nothing below can change it
                memo[node] = state
            return state[0]
        hints = self._hints
        in_section = state is not None and state[1]
        for node in reversed(chain):
            # An ancestor is always an element, and libxml2's HTML parser lower-cases
            # tag names (non-ASCII letters aside, which no name below contains).
            tag = node.tag
            role = node.get("role")
            role = role.strip().lower() if role else ""
            # Rules 1-3 for this element alone (the link's ancestors only).
            region = None
            if role in _ROLE_REGION:
                region = _ROLE_REGION[role]
            elif tag in _TAG_REGION:
                region = _TAG_REGION[tag]
                if in_section and region in _HEADER_FOOTER:
                    region = None
            elif tag not in _NO_HINTS:
                cls = node.get("class")
                ident = node.get("id")
                if ident is None:  # the usual case: the class string alone is the key
                    if cls is None:
                        region = None
                    else:
                        region = hints.get(cls, _UNKNOWN)
                        if region is _UNKNOWN:
                            region = hints[cls] = _class_hint(cls, None)
                else:
                    key = (cls, ident)
                    region = hints.get(key, _UNKNOWN)
                    if region is _UNKNOWN:
                        region = hints[key] = _class_hint(cls, ident)
                if region is not None:
                    if in_section and region in _HEADER_FOOTER:
                        region = None
                    elif _HAS_MAIN_CONTENT(node):
                        region = None  # a layout wrapper around the main content
            if region is not None:
                # The outermost region of everything below: place its links now.
                memo[node] = (region, in_section)
                inside = self._inside
                for link in node.iterdescendants("a", "area"):
                    inside[link] = region
                return region
            if tag in _SECTIONING or role in _SECTION_ROLES:
                in_section = True
            memo[node] = _IN_SECTION if in_section else _OUTSIDE
        return None
