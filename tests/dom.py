"""Reading parsed pages in tests: a missing element or attribute fails with its selector or name."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode


def first(tree: LexborHTMLParser | LexborNode, selector: str) -> LexborNode:
    """The first element matching selector, which the page must have."""
    node = tree.css_first(selector)
    assert node is not None, f"nothing on the page matches {selector!r}"
    return node


def attr(node: LexborNode, name: str) -> str:
    """The value of the attribute name, which the element must carry."""
    value = node.attributes.get(name)
    assert value is not None, f"<{node.tag}> has no {name} attribute"
    return value
