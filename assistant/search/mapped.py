"""Large arrays read from disk as memory maps, not into memory: the CQC-sized index on one server.

At 1.5M chunks the sentence table's vectors (float16, 384 wide) and hashed terms (64 uint32) are
10-15 GB. Read into each server's memory they would not fit; memory-mapped, a question reads only
the pages of the sentences it scores, and every process serving the same files on one machine
(Ray Serve replicas, a server and a chat) shares those pages through the page cache.

- ``save_npz``: an ``.npz`` as ``np.savez`` writes it (uncompressed; ``np.load`` reads it as ever),
  but with each member's data starting on a 64-byte boundary, so it can be mapped as it lies.
  Columns are written in blocks, so a column that is itself mapped is never read whole.
- ``load_npz``: the members of an ``.npz``; those of at least ``MAP_ABOVE`` bytes stored
  uncompressed and aligned are ``np.memmap`` views (read-only), the rest are read.
- ``Rows``: a column made of mapped parts (several segments) and/or a row selection (deleted rows
  dropped), that reads only the rows indexed. It behaves as an array where the answer code uses one
  (``col[rows]``, ``col[i]``, ``len``, ``shape``, comparisons); anything else turns it into an array
  in memory (``np.asarray``), which is correct but reads it whole.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any
from pathlib import Path

import numpy as np
from numpy.lib import format as npy
from numpy.lib.mixins import NDArrayOperatorsMixin

MAP_ABOVE = 16 * 1024**2  # members of at least this many bytes are mapped, smaller ones read
ALIGN = 64
_BLOCK_ROWS = 1 << 18
_PAD_ID = 0xD935  # the extra-field id zipalign uses for padding; zip readers skip unknown fields


def is_mapped(a: object) -> bool:
    """Whether ``a`` reads from disk on indexing (a memory map or ``Rows``)."""
    return isinstance(a, (np.memmap, Rows))


class Rows(NDArrayOperatorsMixin):
    """Rows of ``parts`` (arrays or memory maps, concatenated along axis 0), optionally only ``select``
    (indexes into that concatenation, in order). Indexing reads just the rows asked for."""

    def __init__(self, parts: Sequence[Any], select: np.ndarray | None = None):
        self.parts = list(parts)
        first = self.parts[0]
        self.dtype: np.dtype[Any] = first.dtype
        self._row_shape = tuple(first.shape[1:])
        sizes = np.asarray([len(p) for p in self.parts], dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(sizes)])
        self.select = None if select is None else np.asarray(select, dtype=np.int64)
        total = int(self._starts[-1])
        self.shape: tuple[int, ...] = ((total if self.select is None else int(self.select.size)),) + self._row_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.size * int(self.dtype.itemsize)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"Rows({len(self.parts)} parts, shape={self.shape}, dtype={self.dtype})"

    def positions(self, key: Any) -> np.ndarray | int:
        """The rows ``key`` picks, as indexes into the concatenated parts (an int for an int key)."""
        n = len(self)
        if isinstance(key, (int, np.integer)):
            i = int(key) + (n if key < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"row {key} out of range for {n} rows")
            return int(self.select[i]) if self.select is not None else i
        if isinstance(key, slice):
            idx = np.arange(n, dtype=np.int64)[key]
        else:
            idx = np.asarray(key)
            if idx.dtype == bool:
                if idx.shape != (n,):
                    raise IndexError(f"a boolean index of shape {idx.shape} for {n} rows")
                idx = np.flatnonzero(idx)
            else:
                idx = idx.astype(np.int64, copy=False)
                idx = np.where(idx < 0, idx + n, idx)
                if idx.size and (idx.min() < 0 or idx.max() >= n):
                    raise IndexError(f"a row index out of range for {n} rows")
        out: np.ndarray = self.select[idx] if self.select is not None else idx
        return out

    def _read(self, where: np.ndarray) -> np.ndarray:
        out = np.empty((where.size,) + self._row_shape, dtype=self.dtype)
        part = np.searchsorted(self._starts, where, side="right") - 1
        for p in np.unique(part):
            mine = part == p
            local = where[mine] - self._starts[p]
            order = np.argsort(local, kind="stable")  # ascending reads: sequential pages
            got = np.asarray(self.parts[p][local[order]])
            block = np.empty_like(got)
            block[order] = got
            out[mine] = block
        return out

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            head, rest = key[0], key[1:]
            got = self[head]
            return got[rest] if isinstance(head, (int, np.integer)) else got[(slice(None), *rest)]
        where = self.positions(key)
        if isinstance(where, int):
            part = int(np.searchsorted(self._starts, where, side="right") - 1)
            return np.asarray(self.parts[part][where - self._starts[part]])
        return self._read(np.asarray(where, dtype=np.int64).reshape(-1))

    def take_rows(self, idx: Any) -> Rows:
        """These rows (positions in this column), still read only when indexed."""
        return Rows(self.parts, np.asarray(self.positions(np.asarray(idx))))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole: np.ndarray = self[slice(None)]
        return whole if dtype is None else whole.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(np.asarray(x) if isinstance(x, Rows) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)

    def astype(self, dtype: Any, **kwargs: Any) -> np.ndarray:
        return np.asarray(self).astype(dtype, **kwargs)

    def blocks(self, rows: int = _BLOCK_ROWS) -> Iterator[np.ndarray]:
        """The column in order, ``rows`` at a time (for writing it without reading it whole)."""
        for i in range(0, len(self), rows):
            yield self[i : i + rows]


def rows_of(column: Any, idx: Any) -> Any:
    """``column[idx]`` for a row selection: still mapped when ``column`` is, else an array."""
    if isinstance(column, Rows):
        return column.take_rows(idx)
    if isinstance(column, np.memmap):
        return Rows([column], np.asarray(idx))
    return column[idx]


def concat(columns: Sequence[Any]) -> Any:
    """The columns one after another: mapped (``Rows``) when any is, else one array."""
    if len(columns) == 1:
        return columns[0]
    if any(is_mapped(c) for c in columns):
        return Rows(columns)
    return np.concatenate(columns)


# -- files ------------------------------------------------------------------------------------------


def _blocks(a: Any) -> Iterator[np.ndarray]:
    if isinstance(a, Rows):
        yield from a.blocks()
    elif isinstance(a, np.memmap) and len(a) > _BLOCK_ROWS:
        for i in range(0, len(a), _BLOCK_ROWS):
            yield np.asarray(a[i : i + _BLOCK_ROWS])
    else:
        yield np.asarray(a)


def save_npz(path: Path, arrays: Mapping[str, Any]) -> None:
    """An uncompressed ``.npz`` of ``arrays`` whose members' data are 64-byte aligned (see the module)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, a in arrays.items():
            dtype, shape = np.dtype(a.dtype), tuple(a.shape)
            header = _npy_header(dtype, shape)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            # Local header: 30 bytes, the name, the extra field (ours, then the zip64 one zipfile adds).
            fixed = 30 + len(info.filename.encode("utf-8")) + 20 + 4
            assert zf.fp is not None  # open for writing
            pad = (-(zf.fp.tell() + fixed)) % ALIGN
            info.extra = struct.pack("<HH", _PAD_ID, pad) + b"\0" * pad
            with zf.open(info, "w", force_zip64=True) as out:
                out.write(header)
                for block in _blocks(a):
                    out.write(np.ascontiguousarray(block, dtype=dtype).tobytes())


def _npy_header(dtype: np.dtype[Any], shape: tuple[int, ...]) -> bytes:
    import io

    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": npy.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
    return buf.getvalue()


def load_npz(path: Path, map_above: int | None = None) -> dict[str, Any]:
    """The arrays of an ``.npz``; uncompressed, aligned members of at least ``map_above`` bytes (default
    ``MAP_ABOVE``) memory-mapped (read-only)."""
    map_above = MAP_ABOVE if map_above is None else map_above
    out: dict[str, Any] = {}
    with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            mapped = None
            if info.compress_type == zipfile.ZIP_STORED and info.file_size >= map_above:
                mapped = _map_member(path, fh, info)
            if mapped is None:
                with zf.open(info) as member:
                    mapped = npy.read_array(member, allow_pickle=False)
            out[name] = mapped
    return out


def _map_member(path: Path, fh: IO[bytes], info: zipfile.ZipInfo) -> np.ndarray | None:
    """A stored member as a read-only memory map, or None when it cannot be (unaligned, odd header)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    try:
        major, _ = npy.read_magic(fh)
        read = npy.read_array_header_1_0 if major == 1 else npy.read_array_header_2_0
        shape, fortran, dtype = read(fh)
    except ValueError:
        return None
    offset = fh.tell()
    if fortran or dtype.hasobject or offset % max(1, dtype.alignment):
        return None  # written by plain np.savez: read it instead
    if not shape or 0 in shape:
        return None
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
