"""The logging filter with the real `logging` package: every way personal data enters a
record (message, %-args, extra, exception, stack) is redacted before any handler writes."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.privacy.integrations.conftest import (
    CARD,
    CARD_NUMBER,
    EMAIL,
    IBAN,
    OTHER_EMAIL,
    Customer,
    assert_clean,
)
from vedette.privacy.integrations.logging_filter import WITHHELD, RedactingFilter, install


class Capture:
    """A handler on the root logger writing into a string, with the redacting filter."""

    def __init__(self, engine: object, fmt: str = "%(levelname)s %(name)s %(message)s") -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter(fmt))
        self.filter = RedactingFilter(engine)  # type: ignore[arg-type]
        self.handler.addFilter(self.filter)

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def root(engine: object) -> Iterator[Capture]:
    """The filter on a handler of the root logger; records come from child loggers."""
    capture = Capture(engine)
    root_logger = logging.getLogger()
    level = root_logger.level
    root_logger.setLevel(logging.DEBUG)
    root_logger.addHandler(capture.handler)
    yield capture
    root_logger.removeHandler(capture.handler)
    root_logger.setLevel(level)


def test_message_and_string_args_from_a_child_logger(root: Capture) -> None:
    logging.getLogger("shop.checkout").info("order 7731 paid by %s with card %s", EMAIL, CARD)
    assert root.text.startswith("INFO shop.checkout order 7731 paid by ")
    assert_clean(root.text)


def test_non_string_args_int_dict_and_objects(root: Capture) -> None:
    log = logging.getLogger("shop.billing")
    log.warning("card %d declined for %s", CARD_NUMBER, Customer())
    log.warning("profile %s", {"email": EMAIL, "iban": IBAN, "visits": 3})
    log.warning("user %(who)s from %(where)s", {"who": Customer(), "where": "Lyon"})
    assert "card " in root.text and "declined for" in root.text and "visits" in root.text
    assert "from Lyon" in root.text
    assert_clean(root.text)


def test_record_is_left_rendered_for_any_formatter(engine: object) -> None:
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "to %s: %d%% done",
                               (EMAIL, 50), None)
    RedactingFilter(engine).filter(record)  # type: ignore[arg-type]
    assert isinstance(record.msg, str) and record.args == ()
    assert record.getMessage() == record.msg
    assert record.getMessage().endswith(": 50% done")
    assert_clean(record.getMessage())
    # a percent sign left in the rendered text must not trip later formatting
    assert logging.Formatter("%(message)s").format(record) == record.msg


def test_extra_fields_with_their_names_as_context(engine: object) -> None:
    capture = Capture(engine, "%(message)s | %(email)s | %(card_number)s | %(customer)s "
                              "| %(attempt)s")
    log = logging.getLogger("test.extra")
    log.propagate = False
    log.addHandler(capture.handler)
    try:
        log.error("payment failed", extra={"email": EMAIL, "card_number": CARD_NUMBER,
                                            "customer": Customer(), "attempt": 2})
    finally:
        log.removeHandler(capture.handler)
    assert capture.text.startswith("payment failed | ")
    assert capture.text.rstrip().endswith("| 2")  # numbers that are not personal data stay
    assert_clean(capture.text)


def test_exception_text_and_exc_info(root: Capture) -> None:
    try:
        raise ValueError(f"cannot charge {CARD} for {EMAIL}")
    except ValueError:
        logging.getLogger("shop").exception("charge failed")
    assert "Traceback (most recent call last)" in root.text
    assert "ValueError: cannot charge " in root.text
    assert_clean(root.text)


def test_exc_info_is_cleared_for_handlers_that_read_it(engine: object) -> None:
    try:
        raise KeyError(EMAIL)
    except KeyError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "boom",
                                                   (), sys.exc_info())
    RedactingFilter(engine).filter(record)  # type: ignore[arg-type]
    assert record.exc_info is None
    assert record.exc_text and "KeyError" in record.exc_text
    assert_clean(record.exc_text)


def test_stack_info(root: Capture) -> None:
    logging.getLogger("shop").info("where am I", stack_info=True, extra={"note": EMAIL})
    # the stack shows this test's source lines, which hold the raw email
    assert "Stack (most recent call last)" in root.text
    assert_clean(root.text)


def test_args_that_do_not_fit_the_message_never_reach_stderr(
        root: Capture, capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("shop").info("%d orders for %s", "many", EMAIL)
    logging.getLogger("shop").info("only %s", EMAIL, OTHER_EMAIL)
    assert "--- Logging error ---" not in capsys.readouterr().err
    assert "%d orders for %s" in root.text
    assert_clean(root.text)


def test_structured_message_stays_structured(engine: object) -> None:
    record = logging.LogRecord("app", logging.INFO, __file__, 1,
                               {"event": "signup", "email": EMAIL}, (), None)
    RedactingFilter(engine).filter(record)  # type: ignore[arg-type]
    assert isinstance(record.msg, dict) and record.msg["event"] == "signup"
    assert_clean(str(record.msg))


def test_two_handlers_and_twice_filtered_give_the_same_text(engine: object) -> None:
    first, second = Capture(engine), Capture(engine)
    log = logging.getLogger("test.twice")
    log.propagate = False
    log.addFilter(first.filter)  # a logger filter as well: the record is redacted 3 times
    log.addHandler(first.handler)
    log.addHandler(second.handler)
    try:
        log.warning("refund to %s, IBAN %s", EMAIL, IBAN)
    finally:
        log.removeHandler(first.handler)
        log.removeHandler(second.handler)
        log.removeFilter(first.filter)
    assert first.text == second.text
    assert_clean(first.text)


class Exploding:
    def redact(self, text: str, key_name: str | None = None) -> str:
        raise RuntimeError(f"engine broke on {text}")

    def redact_value(self, value: object, key_name: str | None = None) -> object:
        raise RuntimeError("engine broke")


def test_a_failing_engine_withholds_the_record_and_never_raises(
        capsys: pytest.CaptureFixture[str]) -> None:
    capture = Capture(Exploding(), "%(message)s %(email)s")
    log = logging.getLogger("test.broken")
    log.propagate = False
    log.addHandler(capture.handler)
    try:
        try:
            raise ValueError(EMAIL)
        except ValueError:
            log.exception("user %s", EMAIL, extra={"email": EMAIL}, stack_info=True)
    finally:
        log.removeHandler(capture.handler)
    assert capture.text.startswith(WITHHELD)
    assert_clean(capture.text)
    assert "--- Logging error ---" not in capsys.readouterr().err


DICT_CONFIG_PROGRAM = """
import logging, logging.config, sys
logging.config.dictConfig({
    "version": 1,
    "filters": {"pii": {"()": "vedette.privacy.integrations.logging_filter.RedactingFilter",
                        "key_file": sys.argv[2]}},
    "handlers": {"out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                         "filters": ["pii"], "formatter": "plain"}},
    "formatters": {"plain": {"format": "%(name)s %(message)s"}},
    "root": {"handlers": ["out"], "level": "INFO"},
})
logging.getLogger("app.signup").info("contact %s", sys.argv[1])
"""


def test_dict_config_builds_the_filter_from_policy_and_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "privacy.key"
    key_file.write_text("ab" * 32)
    # Processes of their own: dictConfig resets the logging configuration of the process.
    outputs = [subprocess.run([sys.executable, "-c", DICT_CONFIG_PROGRAM, EMAIL, str(key_file)],
                              capture_output=True, text=True, timeout=60, check=True).stdout
               for _ in range(2)]
    assert outputs[0].startswith("app.signup contact ")
    assert outputs[0] == outputs[1]  # one deployment key: the same token in every process
    assert_clean("".join(outputs))


def test_install_filters_every_handler_of_a_logger(engine: object) -> None:
    log = logging.getLogger("test.install")
    log.propagate = False
    streams = [io.StringIO(), io.StringIO()]
    handlers = [logging.StreamHandler(stream) for stream in streams]
    for handler in handlers:
        log.addHandler(handler)
    try:
        installed = install(engine, log)  # type: ignore[arg-type]
        logging.getLogger("test.install.child").warning("mail %s", EMAIL)
    finally:
        for handler in handlers:
            log.removeHandler(handler)
    assert all(installed in handler.filters for handler in handlers)
    for stream in streams:
        assert stream.getvalue().startswith("mail ")
        assert_clean(stream.getvalue())


def test_install_without_handlers_is_a_clear_error(engine: object) -> None:
    with pytest.raises(ValueError, match="no handlers"):
        install(engine, logging.getLogger("test.install.empty"))  # type: ignore[arg-type]
