"""`tierlink guest-posts`: my guest posts, the internal links seen toward them, where to ask for one.

A thin layer over companion.workflow.guestposts (marking, the host page index) and
companion.verdicts.guestlinks (suggested pages, the editor's note), as GET/POST /api/guest-posts.
"""

from __future__ import annotations

import click

from companion.cli.main import choice, command, common, emit, info, tierlink, with_json, workspace


def _human(items):
    if not items:
        print("no guest posts marked yet: `tierlink guest-posts add URL`, or the popup's \"This is my guest post\"")
    for p in items:
        state = p["indexability"]["state"].replace("_", " ")
        links = "no internal link seen" if p["needs_links"] else f"{p['internal_links']} internal link(s) seen"
        print(f"{p['url']}  ({links}; {state}; marked {(p['marked_at'] or '-')[:10]} via {p['via']}; "
              f"{p['indexed_pages']} page(s) of {p['host']} indexed)")
        for s in p.get("suggestions") or []:
            print(f"    ask for a link from {s['url']}  anchor: {s['anchor']!r}  ({s['why']})")
        for url in p["linking_pages"]:
            print(f"    linked from {url}")


@tierlink.group("guest-posts", invoke_without_command=True)
@common
@click.option("--needs-links", is_flag=True, help="only my guest posts with no internal link seen (oldest first)")
@with_json
@click.pass_context
def guest_posts(ctx, needs_links, as_json):
    """My guest posts, oldest first: internal links seen toward each, its indexability, and for
    those with none up to three pages of the same site to ask the editor for a link from.

    \b
    Example:
      tierlink guest-posts add https://blog.example.org/my-post
      tierlink guest-posts --needs-links --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with workspace() as ws:
        emit(as_json, ws.guest_posts(needs_links=needs_links), _human)


@command("add", group=guest_posts)
@click.argument("url")
@click.option("--title", help="the post's title (else the one its page shows when you visit it)")
@with_json
def guest_posts_add(url, title, as_json):
    """Mark a page as my guest post: its host's pages are indexed from now on, as you read them.

    \b
    Example:
      tierlink guest-posts add https://blog.example.org/my-post --title "Ten ways to ..."
    """
    with workspace() as ws:
        doc, created = ws.mark_guest_post(url, via="cli", title=title)
    info(f"{'marked' if created else 'already marked'}: {doc['url']} (guest post {doc['id']})")
    emit(as_json, doc, lambda d: None)


@command("remove", group=guest_posts)
@click.argument("id_or_url", metavar="ID|URL")
@with_json
def guest_posts_remove(id_or_url, as_json):
    """No longer count a page as my guest post (its host's index stays until `forget`).

    \b
    Example:
      tierlink guest-posts remove https://blog.example.org/my-post
    """
    with workspace() as ws:
        doc = ws.unmark_guest_post(id_or_url)
    info(f"removed guest post {doc['url']}")
    emit(as_json, {"removed": doc["id"]}, lambda d: None)


@command("forget", group=guest_posts)
@click.argument("host")
@with_json
def guest_posts_forget(host, as_json):
    """Forget every page seen on a host (the index of pages kept for my guest posts there).

    \b
    Example:
      tierlink guest-posts forget blog.example.org
    """
    with workspace() as ws:
        n = ws.forget_guest_post_host(host)
    info(f"forgot {n} page(s) of {host}")
    emit(as_json, {"host": host, "forgotten": n}, lambda d: None)


@command("index", group=guest_posts)
@click.argument("state", type=choice("guest_post_index"))
@with_json
def guest_posts_index(state, as_json):
    """Turn the index of pages seen on my guest posts' hosts on or off (on by default; off stores
    nothing more, `forget HOST` drops what was kept).

    \b
    Example:
      tierlink guest-posts index off
    """
    with workspace() as ws:
        enabled = ws.guest_post_index(None if state == "status" else state == "on")
    emit(as_json, {"enabled": enabled}, lambda d: print(f"the guest-post host index is {'on' if d['enabled'] else 'off'}"))
