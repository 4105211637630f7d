"""The category tree: counts, add, rename, move, merge, delete. Takes a session and flushes.

Each category stores its full path (党章党规/纪律处分条例); renaming or moving one rewrites the paths of
its whole subtree, so the path stays unique and search by path prefix stays correct.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from question_bank.models import Category, Question
from question_bank.rules import MAX_CATEGORY_DEPTH, MAX_CATEGORY_SEGMENT


class CategoryError(ValueError):
    """A tree change that cannot be made; the message is Chinese and safe to show."""


@dataclass
class Node:
    """A category with its question counts: its own, and with every sub-category's."""

    category: Category
    own: int = 0
    total: int = 0
    children: list[Node] = field(default_factory=list)
    depth: int = 0


def tree(session: Session) -> list[Node]:
    """The whole tree, roots first, children sorted by position then name, with counts."""
    counts = dict(session.execute(select(Question.category_id, func.count()).group_by(Question.category_id)).all())
    categories = session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    nodes = {c.id: Node(c, own=counts.get(c.id, 0)) for c in categories}
    roots: list[Node] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id) if node.category.parent_id else None
        (parent.children if parent else roots).append(node)
    for root in roots:
        _fill(root, 0)
    return roots


def _fill(node: Node, depth: int) -> int:
    node.depth = depth
    node.total = node.own + sum(_fill(child, depth + 1) for child in node.children)
    return node.total


def flatten(nodes: list[Node]) -> list[Node]:
    """Depth-first list of the tree, for pages and drop-downs."""
    out: list[Node] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise CategoryError("请填写分类名")
    if "/" in name or "／" in name:
        raise CategoryError("分类名不能含有“/”")
    if len(name) > MAX_CATEGORY_SEGMENT:
        raise CategoryError(f"分类名最多{MAX_CATEGORY_SEGMENT}字")
    return name


def _path(parent: Category | None, name: str) -> str:
    return f"{parent.path}/{name}" if parent else name


def _free(session: Session, path: str) -> None:
    if session.scalar(select(Category.id).where(Category.path == path)) is not None:
        raise CategoryError(f"已有分类“{path}”")


def add(session: Session, name: str, parent: Category | None) -> Category:
    """A new category under `parent` (or at the top)."""
    name = _check_name(name)
    path = _path(parent, name)
    _free(session, path)
    if path.count("/") + 1 > MAX_CATEGORY_DEPTH:
        raise CategoryError(f"分类最多{MAX_CATEGORY_DEPTH}级")
    category = Category(name=name, path=path, parent=parent)
    session.add(category)
    session.flush()
    return category


def rename(session: Session, category: Category, name: str) -> None:
    """Give a category a new name; its sub-categories' paths follow."""
    name = _check_name(name)
    new_path = _path(category.parent, name)
    if new_path != category.path:
        _free(session, new_path)
    category.name = name
    _repath(session, category, new_path)


def move(session: Session, category: Category, parent: Category | None) -> None:
    """Put a category (with its subtree) under another parent, or at the top."""
    if parent is not None and (parent.id == category.id or parent.path.startswith(category.path + "/")):
        raise CategoryError("不能把分类移到它自己或它的下级分类之下")
    new_path = _path(parent, category.name)
    if new_path == category.path:
        return
    _free(session, new_path)
    deepest = session.scalar(select(func.max(func.length(Category.path) - func.length(
        func.replace(Category.path, "/", "")))).where(Category.path.like(category.path + "/%"))) or 0
    if new_path.count("/") + 1 + deepest - category.path.count("/") > MAX_CATEGORY_DEPTH:
        raise CategoryError(f"移动后将超过{MAX_CATEGORY_DEPTH}级分类")
    category.parent = parent
    _repath(session, category, new_path)


def _repath(session: Session, category: Category, new_path: str) -> None:
    old_path = category.path
    descendants = session.scalars(select(Category).where(Category.path.like(old_path + "/%"))).all()
    category.path = new_path
    for child in descendants:
        child.path = new_path + child.path[len(old_path):]
    session.flush()


def merge(session: Session, source: Category, target: Category) -> int:
    """Move every question and sub-category of `source` into `target`, then delete `source`.
    Sub-categories with the same name are merged too. Returns how many questions moved."""
    if source.id == target.id or target.path.startswith(source.path + "/"):
        raise CategoryError("不能把分类合并到它自己或它的下级分类")
    moved = 0
    for child in list(source.children):
        twin = session.scalar(select(Category).where(Category.path == _path(target, child.name)))
        if twin is None:
            move(session, child, target)
        else:
            moved += merge(session, child, twin)
    result = session.execute(update(Question).where(Question.category_id == source.id).values(category_id=target.id))
    moved += result.rowcount
    session.delete(source)
    session.flush()
    session.expire_all()
    return moved


def delete(session: Session, category: Category) -> None:
    """Delete an empty category (no questions, no sub-categories)."""
    has_children = session.scalar(select(func.count()).where(Category.parent_id == category.id))
    if has_children or session.scalar(select(func.count()).where(Question.category_id == category.id)):
        raise CategoryError("分类下还有题目或下级分类，不能删除；可先合并到其他分类")
    if category.parent is not None:
        category.parent.children.remove(category)
    session.delete(category)
    session.flush()
