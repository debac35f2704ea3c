"""The document model: region-diff undo, revisions, stale results, events."""

from __future__ import annotations

import numpy as np
import pytest

from matteditor.document import Change, ChangeKind, Document, History, TrimapEdit
from matteditor.geometry import Rect
from matteditor.errors import TrimapError
from matteditor.trimap import BACKGROUND, FOREGROUND, UNKNOWN, paint_stroke


@pytest.fixture
def doc(rng) -> Document:
    return Document(rng.random((20, 30, 3), dtype=np.float32))


def stroke(doc: Document, points, value: int, radius: float = 3) -> TrimapEdit:
    """Paint on a copy and apply the diff, as the canvas commits a stroke."""
    new = doc.trimap.copy()
    paint_stroke(new, points, radius, value)
    edit = TrimapEdit.between(doc.trimap, new, "Stroke")
    assert edit is not None
    doc.apply(edit)
    return edit


def edit_of_size(nbytes_each_side: int, value: int = FOREGROUND) -> TrimapEdit:
    before = np.zeros((1, nbytes_each_side), np.uint8)
    return TrimapEdit(Rect(0, 0, nbytes_each_side, 1), before, np.full_like(before, value))


# -- Rect ------------------------------------------------------------------------
def test_rect_union_intersect_grow_and_of_mask():
    a, b = Rect(0, 0, 4, 4), Rect(2, 3, 8, 5)
    assert a.union(b) == Rect(0, 0, 8, 5) and a.union(None) == a
    assert a.intersect(b) == Rect(2, 3, 4, 4)
    assert a.intersect(Rect(5, 5, 6, 6)).empty
    assert Rect(1, 1, 3, 3).grow(2, 4, 10) == Rect(0, 0, 4, 5)
    mask = np.zeros((6, 7), bool)
    mask[2, 3] = mask[4, 5] = True
    assert Rect.of_mask(mask) == Rect(3, 2, 6, 5)
    assert Rect.of_mask(np.zeros((3, 3), bool)).empty


def test_edit_between_equal_trimaps_is_none_and_diff_is_tight():
    t = np.full((5, 5), UNKNOWN, np.uint8)
    assert TrimapEdit.between(t, t.copy()) is None
    new = t.copy()
    new[1:3, 2] = FOREGROUND
    edit = TrimapEdit.between(t, new)
    assert edit.rect == Rect(2, 1, 3, 3) and edit.nbytes == 4


# -- undo / redo ---------------------------------------------------------------------
def test_undo_and_redo_restore_exact_pixels(doc):
    original = doc.trimap.copy()
    stroke(doc, [(3, 3), (20, 10)], FOREGROUND)
    after_first = doc.trimap.copy()
    stroke(doc, [(10, 2), (12, 18)], BACKGROUND, radius=2)
    after_second = doc.trimap.copy()
    assert not np.array_equal(after_first, after_second)

    doc.undo()
    np.testing.assert_array_equal(doc.trimap, after_first)
    doc.undo()
    np.testing.assert_array_equal(doc.trimap, original)
    assert doc.undo() is None
    doc.redo()
    np.testing.assert_array_equal(doc.trimap, after_first)
    doc.redo()
    np.testing.assert_array_equal(doc.trimap, after_second)
    assert doc.redo() is None


def test_a_new_edit_clears_redo(doc):
    stroke(doc, [(3, 3)], FOREGROUND)
    doc.undo()
    assert doc.history.can_redo()
    stroke(doc, [(8, 8)], BACKGROUND)
    assert not doc.history.can_redo() and doc.redo() is None


def test_replace_and_clear_trimap_are_undoable_steps(doc):
    new = np.full((20, 30), FOREGROUND, np.uint8)
    edit = doc.replace_trimap(new)
    assert edit is not None and (doc.trimap == FOREGROUND).all()
    assert doc.replace_trimap(new.copy()) is None        # no change, no step
    doc.clear_trimap()
    assert (doc.trimap == UNKNOWN).all()
    doc.undo()
    assert (doc.trimap == FOREGROUND).all()
    doc.undo()
    assert (doc.trimap == UNKNOWN).all()
    assert len(doc.history) == 0


def test_replace_trimap_refuses_wrong_size(doc):
    with pytest.raises(TrimapError, match="but the image is 30x20"):
        doc.replace_trimap(np.zeros((10, 10), np.uint8))


def test_document_keeps_its_own_copy_of_the_trimap(rng):
    t = np.full((4, 5), BACKGROUND, np.uint8)
    d = Document(rng.random((4, 5, 3), dtype=np.float32), t)
    t[:] = FOREGROUND
    assert (d.trimap == BACKGROUND).all()


@pytest.mark.parametrize("image", [np.zeros((4, 5, 3), np.float64), np.zeros((4, 5), np.float32),
                                   np.zeros((4, 5, 4), np.float32)])
def test_document_refuses_a_malformed_image(image):
    with pytest.raises(TrimapError, match="float32 HxWx3"):
        Document(image)


def test_document_uses_an_empty_history_it_is_given(rng):
    history = History(max_steps=1)
    d = Document(rng.random((4, 5, 3), dtype=np.float32), history=history)
    assert d.history is history


# -- History caps ----------------------------------------------------------------------
def test_history_byte_cap_drops_oldest_edits():
    h = History(max_bytes=250)
    edits = [edit_of_size(50) for _ in range(4)]   # 100 bytes each
    for e in edits:
        h.push(e)
    assert len(h) == 2 and h.nbytes == 200
    assert h.pop_undo() is edits[3] and h.pop_undo() is edits[2] and h.pop_undo() is None


def test_history_keeps_the_newest_edit_even_when_it_alone_exceeds_the_cap():
    h = History(max_bytes=100)
    h.push(edit_of_size(10))
    big = edit_of_size(500)
    h.push(big)
    assert len(h) == 1 and h.pop_undo() is big


def test_history_step_cap_drops_oldest():
    h = History(max_steps=3)
    edits = [edit_of_size(1) for _ in range(5)]
    for e in edits:
        h.push(e)
    assert len(h) == 3
    assert [h.pop_undo() for _ in range(3)] == edits[:1:-1]


def test_history_bytes_follow_undo_and_redo():
    h = History()
    h.push(edit_of_size(10))
    h.push(edit_of_size(20))
    assert h.nbytes == 60
    h.pop_undo()
    assert h.nbytes == 60 and h.can_redo()    # redo data still held
    h.pop_redo()
    assert h.nbytes == 60 and not h.can_redo()
    h.clear()
    assert h.nbytes == 0 and not h.can_undo()


# -- revisions and results -------------------------------------------------------------------
def test_revision_bumps_on_every_trimap_change(doc):
    r0 = doc.revision
    stroke(doc, [(5, 5)], FOREGROUND)
    assert doc.revision == r0 + 1
    doc.undo()
    assert doc.revision == r0 + 2
    doc.redo()
    assert doc.revision == r0 + 3
    doc.undo()
    doc.undo()                             # nothing left: no bump
    assert doc.revision == r0 + 4


def test_result_for_the_current_revision_is_stored(doc):
    alpha = np.full((20, 30), 0.5, np.float32)
    fg = np.zeros((20, 30, 3), np.float32)
    assert doc.set_result(alpha, doc.revision, fg)
    assert doc.alpha is alpha and doc.foreground is fg and doc.alpha_revision == doc.revision


def test_stale_result_is_refused_and_nothing_stored(doc):
    asked_at = doc.revision
    stroke(doc, [(5, 5)], FOREGROUND)
    assert not doc.set_result(np.zeros((20, 30), np.float32), asked_at)
    assert doc.alpha is None and doc.alpha_revision == -1


def test_result_of_wrong_shape_is_refused(doc):
    with pytest.raises(TrimapError, match="alpha is 3x2"):
        doc.set_result(np.zeros((2, 3), np.float32), doc.revision)
    with pytest.raises(TrimapError, match="foreground"):
        doc.set_result(np.zeros((20, 30), np.float32), doc.revision,
                       np.zeros((20, 30), np.float32))


def test_take_dirty_returns_the_union_since_last_call(doc):
    assert doc.take_dirty() is None
    a = stroke(doc, [(3, 3)], FOREGROUND, radius=1)
    b = stroke(doc, [(25, 15)], BACKGROUND, radius=1)
    assert doc.take_dirty() == a.rect.union(b.rect)
    assert doc.take_dirty() is None


# -- events --------------------------------------------------------------------------------------
def test_listeners_get_trimap_history_and_alpha_events(doc):
    seen: list[Change] = []
    doc.subscribe(seen.append)
    edit = stroke(doc, [(5, 5)], FOREGROUND)
    assert [c.kind for c in seen] == [ChangeKind.TRIMAP, ChangeKind.HISTORY]
    assert seen[0].rect == edit.rect and seen[0].revision == doc.revision

    seen.clear()
    doc.undo()
    assert [c.kind for c in seen] == [ChangeKind.TRIMAP, ChangeKind.HISTORY]
    assert seen[0].rect == edit.rect

    seen.clear()
    doc.set_result(np.zeros((20, 30), np.float32), doc.revision)
    assert seen == [Change(ChangeKind.ALPHA, doc.revision, doc.bounds)]

    seen.clear()
    doc.set_result(np.zeros((20, 30), np.float32), doc.revision - 1)   # stale: silent
    assert seen == []


def test_unsubscribed_listener_hears_nothing(doc):
    seen: list[Change] = []
    doc.subscribe(seen.append)
    doc.unsubscribe(seen.append)
    doc.unsubscribe(seen.append)    # twice is harmless
    stroke(doc, [(5, 5)], FOREGROUND)
    assert seen == []


def test_apply_without_record_changes_pixels_but_not_history(doc):
    new = doc.trimap.copy()
    new[0, 0] = FOREGROUND
    seen: list[Change] = []
    doc.subscribe(seen.append)
    doc.apply(TrimapEdit.between(doc.trimap, new), record=False)
    assert doc.trimap[0, 0] == FOREGROUND and len(doc.history) == 0
    assert [c.kind for c in seen] == [ChangeKind.TRIMAP]


def test_clear_result_forgets_the_matte_and_tells_the_listeners():
    image = np.zeros((4, 5, 3), np.float32)
    doc = Document(image)
    changes = []
    doc.subscribe(changes.append)
    assert not doc.clear_result()               # nothing to forget yet
    alpha = np.full((4, 5), 0.5, np.float32)
    assert doc.set_result(alpha, doc.revision)
    assert doc.clear_result()
    assert doc.alpha is None and doc.foreground is None and doc.alpha_revision == -1
    assert changes[-1].kind is ChangeKind.ALPHA
    assert doc.set_result(alpha, doc.revision)  # a later result is accepted again


def test_the_matte_applies_the_edge_adjustments_once_and_keeps_the_engines_alpha():
    from matteditor.edges import EdgeAdjustments

    image = np.zeros((30, 40, 3), np.float32)
    trimap = np.full((30, 40), UNKNOWN, np.uint8)
    trimap[:, :5] = BACKGROUND
    trimap[:, -5:] = FOREGROUND
    doc = Document(image, trimap)
    assert doc.matte().alpha is None
    alpha = np.tile(np.linspace(0, 1, 40, dtype=np.float32), (30, 1))
    doc.set_result(alpha, doc.revision, image + 0.5)
    assert doc.matte().alpha is alpha                      # no adjustments: the array itself
    seen = []
    doc.subscribe(seen.append)
    doc.set_adjustments(EdgeAdjustments(contrast=80, decontamination=0.5))
    assert [c.kind for c in seen] == [ChangeKind.ALPHA]
    matte = doc.matte()
    assert doc.matte() is matte                            # computed once
    assert doc.alpha is alpha and np.abs(matte.alpha - alpha).max() > 0.1
    assert (matte.alpha[:, :5] == 0).all() and (matte.alpha[:, -5:] == 1).all()
    np.testing.assert_allclose(matte.colors, 0.25)         # half-way to the estimated colours


# -- one history: edits the history dropped ------------------------------------------------
def test_undo_after_eviction_never_applies_another_edit(rng):
    doc = Document(rng.random((20, 30, 3), dtype=np.float32), history=History(max_steps=2))
    states = [doc.trimap.copy()]
    edits = []
    for x in (3, 12, 21):
        edits.append(stroke(doc, [(x, 5)], FOREGROUND))
        states.append(doc.trimap.copy())
    assert doc.history.evicted == 1 and not doc.history.holds(edits[0])
    assert doc.undo_edit(edits[2]) and doc.undo_edit(edits[1])
    assert not doc.undo_edit(edits[0])                 # dropped: nothing happens
    np.testing.assert_array_equal(doc.trimap, states[1])
    assert not doc.redo_edit(edits[2])                  # out of order: refused
    assert doc.redo_edit(edits[1]) and doc.redo_edit(edits[2])
    np.testing.assert_array_equal(doc.trimap, states[3])


# -- results: the trimap they were computed for, and the ones undo returns to ------------
def _banded(rng) -> tuple[Document, np.ndarray]:
    trimap = np.full((30, 40), UNKNOWN, np.uint8)
    trimap[:, :5] = BACKGROUND
    trimap[:, -5:] = FOREGROUND
    doc = Document(rng.random((30, 40, 3), dtype=np.float32), trimap)
    return doc, np.tile(np.linspace(0, 1, 40, dtype=np.float32), (30, 1))


def test_the_matte_is_clamped_against_the_trimap_it_was_computed_for(rng):
    from matteditor.edges import EdgeAdjustments

    doc, alpha = _banded(rng)
    adj = EdgeAdjustments(contrast=40)
    doc.set_adjustments(adj)
    expected = adj.apply(alpha, doc.trimap.copy())
    doc.set_result(alpha, doc.revision)
    doc.begin_stroke(FOREGROUND, 4)
    doc.extend_stroke((20, 15))                         # half-painted: not ended yet
    np.testing.assert_array_equal(doc.matte().alpha, expected)
    np.testing.assert_array_equal(doc.matte_job()().alpha, expected)


def test_the_compose_thread_racing_a_stroke_sees_only_the_results_trimap(rng):
    import threading

    from matteditor.edges import EdgeAdjustments

    doc, alpha = _banded(rng)
    original = doc.trimap.copy()
    doc.set_result(alpha, doc.revision)
    settings = [EdgeAdjustments(contrast=30 + k % 2) for k in range(2)]
    expected = [a.apply(alpha, original) for a in settings]
    wrong, done = [], threading.Event()

    def compose() -> None:                              # what render.py's thread does
        for k in range(200):
            doc.adjustments = settings[k % 2]           # forces a new matte each time
            if not np.array_equal(doc.matte().alpha, expected[k % 2]):
                wrong.append(k)
        done.set()

    thread = threading.Thread(target=compose)
    thread.start()
    while not done.is_set():                            # strokes paint the trimap in place
        doc.begin_stroke(FOREGROUND, 6)
        for x in range(6, 34, 4):
            doc.extend_stroke((x, 15))
        doc.abort_stroke()
    thread.join()
    assert wrong == []


def test_undo_and_redo_show_the_kept_exact_matte_at_once(doc):
    stroke(doc, [(3, 3)], FOREGROUND)
    first = np.full((20, 30), 0.25, np.float32)
    assert doc.set_result(first, doc.revision, np.zeros((20, 30, 3), np.float32))
    stroke(doc, [(25, 15)], BACKGROUND)
    second = np.full((20, 30), 0.75, np.float32)
    assert doc.set_result(second, doc.revision)
    seen = []
    doc.subscribe(seen.append)
    doc.undo()
    assert doc.alpha is first and doc.has_exact_result and doc.foreground is not None
    assert ChangeKind.ALPHA in [c.kind for c in seen]
    doc.redo()
    assert doc.alpha is second and doc.has_exact_result
    doc.undo()
    doc.undo()                                          # back to a trimap never solved
    assert not doc.has_exact_result and doc.alpha is first


def test_a_preview_never_replaces_the_exact_matte_of_the_same_revision(doc):
    exact = np.full((20, 30), 0.5, np.float32)
    assert doc.set_result(exact, doc.revision)
    assert not doc.set_result(np.zeros((20, 30), np.float32), doc.revision, exact=False)
    assert doc.alpha is exact


def test_the_result_cache_is_bounded_by_bytes_and_entries():
    from matteditor.results import Result, ResultCache, trimap_key

    trimaps = [np.full((10, 10), v, np.uint8) for v in (0, 128, 255)]
    results = [Result(np.zeros((10, 10), np.float32), None, t) for t in trimaps]  # 500 B each
    cache = ResultCache(max_bytes=1100, max_entries=5)
    for t, r in zip(trimaps, results):
        cache.put(trimap_key(t), r)
    assert len(cache) == 2 and cache.nbytes == 1000
    assert cache.get(trimap_key(trimaps[0])) is None and cache.get(trimap_key(trimaps[2])) is results[2]
    cache = ResultCache(max_bytes=10**6, max_entries=2)
    for t, r in zip(trimaps, results):
        cache.put(trimap_key(t), r)
    assert len(cache) == 2 and cache.get(trimap_key(trimaps[0])) is None


def test_the_region_a_restored_matte_changes_is_tight():
    from matteditor.results import Matte, changed_region

    a = Matte(np.zeros((20, 30), np.float32), np.zeros((20, 30, 3), np.float32))
    a.alpha[8:12, 18:22] = 0.5
    b = Matte(a.alpha.copy(), a.colors.copy())
    b.alpha[3, 4] = 0.5
    b.colors[10, 20, 2] = 0.5                           # a colour alone counts too...
    assert changed_region(a, b) == Rect(4, 3, 21, 11)
    b.colors[15, 25, 0] = 0.5                           # ...but not under alpha 0 in both
    assert changed_region(a, b) == Rect(4, 3, 21, 11)
    b.alpha[16, 26] = 0.1                               # seen where either alpha is above 0
    assert changed_region(a, b) == Rect(4, 3, 27, 17)
    assert changed_region(a, Matte(a.alpha.copy(), a.colors.copy())).empty
    assert changed_region(None, a) == Rect(0, 0, 30, 20)
    assert changed_region(Matte(a.alpha, None), a) == Rect(0, 0, 30, 20)


def test_a_restored_matte_is_compared_as_shown_with_the_edge_adjustments(doc):
    """Undo/redo recompose only where the picture changes: with a feather, a one-pixel
    change of the engine's alpha shows around it, and the region says so."""
    from matteditor.edges import EdgeAdjustments

    doc.replace_trimap(np.full((20, 30), UNKNOWN, np.uint8))
    first = doc.trimap.copy()
    alpha = np.full((20, 30), 0.5, np.float32)
    assert doc.set_result(alpha, doc.revision)
    stroke(doc, [(25, 15)], FOREGROUND, radius=1)
    other = alpha.copy()
    other[10, 10] = 0.9
    assert doc.set_result(other, doc.revision)
    seen = []
    doc.subscribe(seen.append)
    doc.set_adjustments(EdgeAdjustments(feather=2.0))
    doc.replace_trimap(first)                    # the first trimap again: its matte is kept
    seen.clear()
    assert doc.restore_result()
    (change,) = [c for c in seen if c.kind is ChangeKind.ALPHA]
    assert change.rect.contains(Rect(7, 7, 14, 14))      # the blur spread the change
