"""Files and names for the upload tests: what clients may send, and how a stored file is
judged safe."""

import io
import re
from pathlib import Path

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
# Names a client may send: a path out of the folder, a NUL, far too long, Vietnamese.
HOSTILE_NAMES = {
    "traversal": "../../etc/passwd",
    "backslashes": "..\\..\\windows\\win",
    "nul": "giay\x00phep",
    "long": "x" * 300,
    "vietnamese": "Giấy chứng nhận HTX Đồng Hỷ",
}


def picture(kind="PNG", size=(48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 60)).save(buffer, kind)
    return buffer.getvalue()


def multipart(fields: dict, files: dict) -> dict:
    """A multipart body written by hand, so file names reach the server exactly as a client
    may send them (Django's test client keeps only a name's last part)."""
    boundary = "ocop-upload-boundary-7f3"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode("utf-8") + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return {
        "data": b"".join(parts),
        "content_type": f"multipart/form-data; boundary={boundary}",
    }


def stored_safely(root: Path, name: str, folder: str) -> bool:
    """``name`` is one plain file name directly in ``folder`` (no separator, NUL or dot-only
    part, within the database column), and the file is there, inside ``root/folder``."""
    directory, _slash, base = name.rpartition("/")
    path = (Path(root) / name).resolve()
    return (
        re.fullmatch(folder, directory) is not None
        and re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", base) is not None
        and len(name) <= 100
        and path.is_file()
        and path.is_relative_to((Path(root) / directory).resolve())
    )


def files_under(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []
