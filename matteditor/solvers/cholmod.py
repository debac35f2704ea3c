"""Sparse Cholesky factorization with CHOLMOD (SuiteSparse), called through ctypes.

CHOLMOD is the supernodal sparse Cholesky of SuiteSparse; the cvxopt wheel
ships it as a shared library.  cvxopt's own wrapper (``cvxopt.cholmod``)
holds the GIL for the whole factorization -- measured: a 0.8 s event-loop
stall in the editor for a 200k-pixel band -- and the other packaged
wrappers we tried hold it too (cholespy) or are several times slower
(qdldl, no supernodes).  A ctypes call releases the GIL, so the library is
called directly here: the structs it reads are built over numpy buffers (no
copies).  A few settings of ``cholmod_common`` are written (the order to use,
no printing, the predicted factor size is read back) at the offsets of the
CHOLMOD 3.0 header; the library is used only if the defaults that
``cholmod_start`` writes read back there as documented, so a build with
another layout is never written into: :func:`available` is then False and
the callers use the iterative solver.

Linux only (the library is found among the loaded ones once cvxopt's module
is imported).
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

# cholmod_core.h / cholmod_cholesky.h, CHOLMOD 3.0
_INT, _REAL, _DOUBLE = 0, 1, 0
_AUTO, _GIVEN, _AMD, _NATURAL = 1, 1, 2, 0
_SOLVE_A = 0
_COMMON_BYTES = 2664            # sizeof(cholmod_common) in 3.0.14; allocated with room to spare
_OFF_SUPERNODAL = 48            # int supernodal (default CHOLMOD_AUTO)
_OFF_ZRELAX = 80                # double zrelax[3] (defaults 0.8, 0.1, 0.05)
_OFF_QUICK_RETURN = 136         # int quick_return_if_not_posdef
_OFF_PRINT = 144                # int print (default 3)
_OFF_NMETHODS = 168             # int nmethods (default 0)
_OFF_METHOD = 184               # struct cholmod_method_struct method[10]
_METHOD_SIZE = 168
_OFF_ORDERING = 132             # int ordering, inside a method struct
_OFF_POSTORDER = 1864           # int postorder (default TRUE)
_OFF_ITYPE = 1960               # int itype (default CHOLMOD_INT)
_OFF_STATUS = 1972              # int status
_OFF_LNZ = 1984                 # double lnz: entries in L, known after the analysis


class _Sparse(ctypes.Structure):
    _fields_ = [("nrow", ctypes.c_size_t), ("ncol", ctypes.c_size_t), ("nzmax", ctypes.c_size_t),
                ("p", ctypes.c_void_p), ("i", ctypes.c_void_p), ("nz", ctypes.c_void_p),
                ("x", ctypes.c_void_p), ("z", ctypes.c_void_p),
                ("stype", ctypes.c_int), ("itype", ctypes.c_int), ("xtype", ctypes.c_int),
                ("dtype", ctypes.c_int), ("sorted", ctypes.c_int), ("packed", ctypes.c_int)]


class _Dense(ctypes.Structure):
    _fields_ = [("nrow", ctypes.c_size_t), ("ncol", ctypes.c_size_t), ("nzmax", ctypes.c_size_t),
                ("d", ctypes.c_size_t), ("x", ctypes.c_void_p), ("z", ctypes.c_void_p),
                ("xtype", ctypes.c_int), ("dtype", ctypes.c_int)]


class _FactorHead(ctypes.Structure):    # the first fields of cholmod_factor
    _fields_ = [("n", ctypes.c_size_t), ("minor", ctypes.c_size_t)]


class CholmodError(RuntimeError):
    """The factorization failed (not positive definite, out of memory, ...)."""


_lib = None
_lib_lock = threading.Lock()
_lib_searched = False


def _find_library():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import cvxopt.cholmod  # noqa: F401  (loads libcholmod into the process)
    except ImportError:
        return None
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(maxsplit=5)[-1].strip() for line in maps if "libcholmod" in line}
    except OSError:
        return None
    for path in sorted(p for p in paths if p.startswith("/")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        vp, sz, ci = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
        lib.cholmod_start.argtypes = [vp]
        lib.cholmod_finish.argtypes = [vp]
        lib.cholmod_analyze_p.argtypes = [vp, vp, vp, sz, vp]
        lib.cholmod_analyze_p.restype = vp
        lib.cholmod_factorize_p.argtypes = [vp, vp, vp, sz, vp, vp]
        lib.cholmod_solve.argtypes = [ci, vp, vp, vp]
        lib.cholmod_solve.restype = vp
        lib.cholmod_free_factor.argtypes = [vp, vp]
        lib.cholmod_free_dense.argtypes = [vp, vp]
        common = _new_common()
        lib.cholmod_start(common)
        layout_ok = _layout_as_expected(common)
        lib.cholmod_finish(common)
        if not layout_ok:
            log.info("CHOLMOD at %s is not laid out as version 3.0; not used", path)
            return None
        log.debug("CHOLMOD: %s", path)
        return lib
    return None


def _new_common():
    return (ctypes.c_char * (_COMMON_BYTES + 4096))()      # room to spare


def _library():
    global _lib, _lib_searched
    with _lib_lock:
        if not _lib_searched:
            _lib = _find_library()
            _lib_searched = True
        return _lib


def available() -> bool:
    """Whether CHOLMOD could be loaded (Linux with cvxopt installed, CHOLMOD 3.0 layout)."""
    return _library() is not None


def _int_at(buf, offset: int) -> int:
    return ctypes.c_int.from_buffer(buf, offset).value


def _set_int(buf, offset: int, value: int) -> None:
    ctypes.c_int.from_buffer(buf, offset).value = value


def _layout_as_expected(common) -> bool:
    """Defaults written by cholmod_start, read where the 3.0 header puts them."""
    ordering = [_int_at(common, _OFF_METHOD + k * _METHOD_SIZE + _OFF_ORDERING) for k in (0, 1, 4)]
    zrelax = [ctypes.c_double.from_buffer(common, _OFF_ZRELAX + 8 * k).value for k in range(3)]
    return (_int_at(common, _OFF_SUPERNODAL) == _AUTO and _int_at(common, _OFF_PRINT) == 3
            and zrelax == [0.8, 0.1, 0.05]
            and _int_at(common, _OFF_NMETHODS) == 0 and ordering == [_GIVEN, _AMD, _NATURAL]
            and _int_at(common, _OFF_POSTORDER) == 1
            and _int_at(common, _OFF_ITYPE) == _INT and _int_at(common, _OFF_STATUS) == 0)


class NotPositiveDefinite(CholmodError):
    """A pivot was not positive: the matrix is singular, or so ill-conditioned that
    rounding made it look indefinite (a shifted factorization then helps)."""


class Factor:
    """The Cholesky factorization of ``A + shift * I``, for one or more solves.

    Args:
        matrix: A (n x n, CSR), both triangles stored, or (``upper``) only the
            entries on and above the diagonal.
        order: int32 elimination order (e.g. :func:`.ordering.nested_dissection`);
            None lets CHOLMOD choose (AMD).
        tick: called with "analysed" and "factorised" between the stages (may
            raise to cancel; the factor is then freed).
        max_factor_bytes: refuse (CholmodError) a factor larger than this, as
            the analysis predicts it.
        upper: see ``matrix``.
        natural: the matrix is ordered already (e.g. built in nested-dissection
            order): factorise it in its own order.  With ``upper``, CHOLMOD then
            works on the caller's arrays without a permuted copy.
        shift: added to the diagonal before factorising.
        lean: favour memory over speed (see the code).
    Raises:
        NotPositiveDefinite, or CholmodError: out of memory, too large, CHOLMOD missing.

    Use as a context manager, or call :meth:`close`, to free the factor.
    """

    def __init__(self, matrix: sp.csr_matrix, order: np.ndarray | None = None,
                 tick=lambda stage: None, max_factor_bytes: float = float("inf"),
                 upper: bool = False, natural: bool = False, shift: float = 0.0,
                 lean: bool = False) -> None:
        lib = _library()
        if lib is None:
            raise CholmodError("CHOLMOD is not available")
        self._lib = lib
        self.n = n = matrix.shape[0]
        indptr = np.ascontiguousarray(matrix.indptr, dtype=np.int32)
        indices = np.ascontiguousarray(matrix.indices, dtype=np.int32)
        data = np.ascontiguousarray(matrix.data, dtype=np.float64)
        # CSR arrays read as CSC give the transpose: A itself when symmetric (stype 1:
        # CHOLMOD uses its upper triangle), the lower triangle when only the upper one
        # is stored (stype -1)
        a = _Sparse(n, n, len(data), indptr.ctypes.data, indices.ctypes.data, None,
                    data.ctypes.data, None, -1 if upper else 1, _INT, _REAL, _DOUBLE, 1, 1)
        self._common = common = _new_common()
        lib.cholmod_start(common)        # available(): its defaults are where we expect them
        self._factor = ctypes.c_void_p()
        self.given_order = False
        perm = None
        try:
            _set_int(common, _OFF_PRINT, 0)                 # errors are raised here, not printed
            _set_int(common, _OFF_QUICK_RETURN, 1)
            if lean:
                # no relaxed amalgamation (explicit zeros that widen supernodes): ~6% less
                # memory, ~12% more time on eval-dev's mid-sized bands
                for k in range(3):
                    ctypes.c_double.from_buffer(common, _OFF_ZRELAX + 8 * k).value = 0.0
            if natural:
                _set_int(common, _OFF_NMETHODS, 1)          # method[0] only ...
                _set_int(common, _OFF_METHOD + _OFF_ORDERING, _NATURAL)   # ... as is
                _set_int(common, _OFF_POSTORDER, 0)
                self.given_order = True
            elif order is not None:
                perm = np.ascontiguousarray(order, dtype=np.int32)
                _set_int(common, _OFF_NMETHODS, 1)          # method[0]: the given order only
                self.given_order = True
            self._factor.value = lib.cholmod_analyze_p(
                ctypes.byref(a), None if perm is None else perm.ctypes.data, None, 0, common)
            if not self._factor.value:
                raise CholmodError("CHOLMOD could not analyse the matrix (out of memory?)")
            lnz = ctypes.c_double.from_buffer(common, _OFF_LNZ).value
            log.debug("CHOLMOD analysis: n %d, %d entries in A, %.0f in L", n, len(data), lnz)
            if 12.0 * lnz > max_factor_bytes:      # values + row indices
                raise CholmodError(f"the factor would take {12.0 * lnz / 2**30:.1f} GiB")
            tick("analysed")
            beta = (ctypes.c_double * 2)(shift, 0.0)
            lib.cholmod_factorize_p(ctypes.byref(a), beta, None, 0, self._factor, common)
            status = _int_at(common, _OFF_STATUS)
            if status < 0:
                raise CholmodError(f"CHOLMOD failed to factorise (status {status}: out of memory?)")
            minor = _FactorHead.from_address(self._factor.value).minor
            if minor < n:
                raise NotPositiveDefinite(f"matrix not positive definite (column {minor} of {n})")
            tick("factorised")
        except BaseException:
            self.close()
            raise

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """x with (A + shift I) x = rhs (n float64)."""
        if not self._factor.value:
            raise CholmodError("the factor has been freed")
        b = np.ascontiguousarray(rhs, dtype=np.float64)
        dense = _Dense(self.n, 1, self.n, self.n, b.ctypes.data, None, _REAL, _DOUBLE)
        solution = ctypes.c_void_p(
            self._lib.cholmod_solve(_SOLVE_A, self._factor, ctypes.byref(dense), self._common))
        if not solution.value:
            raise CholmodError("CHOLMOD could not solve (out of memory?)")
        try:
            out = _Dense.from_address(solution.value)
            return np.ctypeslib.as_array(ctypes.cast(out.x, ctypes.POINTER(ctypes.c_double)),
                                         (self.n,)).copy()
        finally:
            self._lib.cholmod_free_dense(ctypes.byref(solution), self._common)

    def close(self) -> None:
        if getattr(self, "_common", None) is None:       # freed, or __init__ failed early
            return
        if self._factor.value:
            self._lib.cholmod_free_factor(ctypes.byref(self._factor), self._common)
        self._lib.cholmod_finish(self._common)
        self._common = None

    def __enter__(self) -> "Factor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

