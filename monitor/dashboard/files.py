"""Which file a download URL may serve: only a recorded file of the run, inside its directory.

Everything else is refused alike (the caller answers 404): `..` or empty segments,
absolute paths, backslashes, NUL, slashes or backslashes sent percent-encoded, files
the run did not record, and paths whose real location (symlinks followed) is
outside the run's output directory.
"""

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

# Decoded, these would pass as separators the router never saw.
_ENCODED_SEPARATOR = re.compile(rb"%(2f|5c|00)", re.IGNORECASE)

#: What a download is served as; anything else is application/octet-stream.
MEDIA_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


class FileRefused(Exception):
    """The requested path is not a file of this run."""


def check_raw_path(raw_path: bytes) -> None:
    """Refuse a request whose undecoded path hides a separator in percent-encoding."""
    if _ENCODED_SEPARATOR.search(raw_path):
        raise FileRefused("encoded separator")


def check_relative(path: str) -> PurePosixPath:
    """`path` as a plain relative path of named segments, or refused."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise FileRefused("not a relative path")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise FileRefused("dot or empty segment")
    return PurePosixPath(path)


def resolve_run_file(output_dir: str | None, recorded: Iterable[str], path: str) -> Path:
    """The real path of the run's recorded file `path`, strictly inside `output_dir`."""
    relative = check_relative(path)
    if output_dir is None or str(relative) not in set(recorded):
        raise FileRefused("not a file of this run")
    try:
        base = Path(output_dir).resolve(strict=True)
        target = base.joinpath(relative).resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a symlink loop
        raise FileRefused("cannot be resolved") from exc
    if not target.is_relative_to(base) or target == base or not target.is_file():
        raise FileRefused("outside the run's directory")
    return target


def media_type(path: Path) -> str:
    """A fixed media type per extension, so no file is ever served as HTML or script."""
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
