"""Password hashing with argon2id (memory-hard), for operator and account passwords."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane; about 20 ms a check.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    """An argon2id hash string (`$argon2id$...`) with its own salt."""
    return _HASHER.hash(password)


def is_hash(value: str) -> bool:
    """Whether a configured password is meant as an argon2 hash rather than clear text."""
    return value.startswith("$argon2")


def well_formed_hash(value: str) -> bool:
    """Whether an argon2 hash string parses, so a mangled one fails at load, not at OPER."""
    try:
        parameters = extract_parameters(value)
    except (InvalidHashError, ValueError):
        return False
    return parameters.hash_len > 0 and parameters.salt_len > 0


def verify_password(hashed: str, password: str) -> bool:
    """True if `password` matches; False for a mismatch or a malformed hash."""
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError, ValueError):
        return False  # ValueError: a hash that is not even ASCII


def credentials(password: str) -> tuple[str, str]:
    """What an account stores for a new password: its argon2id hash, and SCRAM keys."""
    from parley.server.scram import derive

    return hash_password(password), derive(password).encode()
