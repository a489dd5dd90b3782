"""SafeExecute: nbgrader's Execute step, in the sandbox, with test cells run by the guardian.

Three promises, on top of nbgrader's Execute:

- **A grade for every notebook.** Plain nbgrader loses a student's whole result when
  the kernel dies (os._exit, a segfault, a limit) or ignores an interrupt: it removes
  the autograded folder and records no grade. Here the cell where the run ended gets
  an error output saying what happened and every later code cell one saying it was
  not run, so the tests that could not run score 0 and those that passed keep their
  points. The whole notebook also has a time limit.
- **Run once, recorded.** The parallel grader (coursekit/apps/grade.py) runs each
  notebook ahead in a worker with `record_to`, then nbgrader's own sequential pass
  replays it with `replay_from`: the notebook nbgrader saves grades from is exactly
  the one the worker ran, keyed by its whole input and the grading settings.
- **Test cells run as their author wrote them.** Student cells run in the kernel as
  usual; test cells (graded code cells) do not: they go over a private socket to the
  guardian (coursekit/sandbox/guardian.py), which runs them in the state the kernel
  had before any student code and says how they ended. Before each test, the
  grader checks from outside (in /proc) that student code left no thread or process
  running. A test whose run cannot be confirmed scores 0, says why, and leaves a
  "needs review" note. What the guardian put back before a test, and what its wall
  refused (frames, gc, audit hooks, changed functions), become "needs review" notes
  too; a refusal also hides the notebook's outputs from the first test on in what
  students read (HideLeakedTests).
"""

import ast
import hashlib
import json
import marshal
import os
import secrets
import sys
import time
from pathlib import Path
from time import monotonic

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Unicode

from coursekit import notebooks, notes
from coursekit.review import HIDE_OUTPUTS
from coursekit.sandbox import processes
from coursekit.sandbox.bwrap import hidden_layout
from coursekit.sandbox.factory import factory_for
from coursekit.sandbox.kernel import GUARDIAN_SOCKET, FactoryKernelManager
from coursekit.sandbox.settings import GradingSandbox, sandbox_mode

UNREADABLE = "unreadable_submission"  # notebook metadata coursekit.<this> = why, set on reading
DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"
LENGTH_BYTES = 8  # as guardian.py frames its messages
GUARDIAN_WAIT = 60  # seconds for the guardian to say hello while the kernel starts
GRACE = 15  # seconds past a test's time limit before the kernel is stopped
REPORT_WAIT = 5  # seconds for the guardian's last report, after the notebook's last cell
WORKER_GRACE = 300  # seconds past a notebook's time limit that a worker may take to start it


class GuardianLost(Exception):
    """The guardian's socket closed or went silent."""


def error_output(ename, evalue, traceback=None):
    return NotebookNode(
        output_type="error",
        ename=ename,
        evalue=evalue,
        traceback=traceback or [f"{ename}: {evalue}"],
    )


def stream_output(name, text):
    return NotebookNode(output_type="stream", name=name, text=text)


def describe_cell(cell, index):
    """How a student finds the cell: its position and its first line of code."""
    first_line = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"cell {index + 1} of the notebook (`{first_line}`)"


def describe_exit(code):
    """Why a kernel process ended, from its exit status (negative: the signal that ended it)."""
    if code is None:
        return "the kernel stopped responding"
    if code < 0:
        signal_number = -code
    else:
        return f"its process exited with code {code} (os._exit() or sys.exit() in a thread)"
    reasons = {
        6: "it aborted (SIGABRT)",
        9: "it was killed (SIGKILL)",
        11: "it crashed (segmentation fault)",
        24: "it used up its CPU time limit",
        25: "it went over the file size limit",
    }
    return reasons.get(signal_number, f"it was stopped by signal {signal_number}")


def protected_paths(config, sandbox):
    """The course's own paths that student code must never see."""
    coursedir = CourseDirectory(config=config)
    exchange = config.Exchange.get("root") if "Exchange" in config else None
    paths = [coursedir.root, exchange or DEFAULT_EXCHANGE, *sandbox.hidden_paths]
    if coursedir.db_url.startswith("sqlite:///"):
        database = coursedir.db_url[len("sqlite:///") :]
        paths += [database, database + "-journal", database + "-wal"]
    return [str(Path(path).absolute()) for path in paths]


def imported_names(nb):
    """{name: module} bound by imports in the locked, ungraded cells (the setup cell).

    Test cells use these names (`check`, `np`); the guardian binds them to the modules
    of the start for the length of each test, whatever student code rebound them to.
    The locked cells come back from the gradebook before execution: the student
    cannot add a name here.
    """
    names = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or not notebooks.is_locked(cell):
            continue
        if notebooks.is_test_cell(cell) or notebooks.is_answer_cell(cell):
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith("%")]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        names[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def pending_marker(folder, student):
    """The file that says a worker is still running this student's notebooks."""
    return Path(folder) / "pending" / str(student)


class SafeExecute(Execute):
    """nbgrader's Execute, in the grading sandbox, a grade for every notebook, guarded tests."""

    record_to = Unicode(
        "", help="Keep each executed notebook in this folder, keyed by its input (grade workers)."
    ).tag(config=True)
    replay_from = Unicode(
        "", help="Notebooks executed beforehand (coursekit.apps.grade): not run again."
    ).tag(config=True)

    def input_key(self, nb, resources):
        """The notebook as it is about to run, whose it is (the files beside it are theirs),
        and every setting that decides how it runs."""
        import coursecheck

        settings = GradingSandbox(parent=self).trait_values(config=True)
        fingerprint = [
            str(resources.get("nbgrader", {}).get("student")),
            json.dumps(nb, sort_keys=True),  # nbformat.writes would validate it again
            repr(sorted(settings.items())),
            repr((self.timeout, self.interrupt_on_timeout, self.extra_arguments)),
            coursecheck.__version__,
            sys.version,
        ]
        return hashlib.sha256("\0".join(fingerprint).encode("utf-8")).hexdigest()

    def preprocess(self, nb, resources, km=None):
        if not (self.record_to or self.replay_from):
            return self.execute(nb, resources, km)
        key = self.input_key(nb, resources)
        if self.replay_from:
            recorded = self.recorded(key, resources)
            if recorded is not None:
                nb.cells, nb.metadata = recorded.cells, recorded.metadata
                return nb, resources
            self.log.warning("No worker ran this notebook ahead: it runs here.")
        nb, resources = self.execute(nb, resources, km)
        if self.record_to:
            folder = Path(self.record_to)
            folder.mkdir(parents=True, exist_ok=True)
            partial = folder / f"{key}.partial"
            nbformat.write(nb, partial)
            os.replace(partial, folder / f"{key}.ipynb")  # whole or not at all
        return nb, resources

    def recorded(self, key, resources):
        """The notebook a worker ran from this very input, waiting while it still runs."""
        path = Path(self.replay_from) / f"{key}.ipynb"
        marker = pending_marker(self.replay_from, resources.get("nbgrader", {}).get("student"))
        give_up = monotonic() + GradingSandbox(parent=self).notebook_timeout + WORKER_GRACE
        while not path.exists() and marker.exists() and monotonic() < give_up:
            time.sleep(0.05)
        return nbformat.read(path, as_version=4) if path.exists() else None

    def execute(self, nb, resources, km=None):
        self.student = resources.get("nbgrader", {}).get("student", "?")
        reason = nb.metadata.get("coursekit", {}).get(UNREADABLE)
        if reason:
            for cell in nb.cells:
                if notebooks.is_test_cell(cell):
                    cell.outputs = [error_output("UnreadableSubmission", f"Not graded: {reason}.")]
            return nb, resources
        self.sandbox = GradingSandbox(parent=self)
        self.mode = sandbox_mode(self.sandbox, self.log)
        self.deadline = None  # the notebook's time starts once its kernel is ready
        self.output_sizes = {}
        self.stopped = None  # why the run ended early, once it has
        self.guardian = None  # the socket to the guardian, once it said hello
        self.guardian_problem = None  # (why, 為何) test cells cannot be confirmed any more
        self.baseline = None  # (threads, processes) of the kernel before any cell ran
        self.names = imported_names(nb)
        self.kernel_process = None
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self.guardian is not None:
                self.guardian.close()

    # --- one cell ------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        try:
            return self.run_cell(cell, resources, index)
        finally:
            if index == len(self.nb.cells) - 1:
                self.last_report()

    def run_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self.guardian is None and self.guardian_problem is None:
            self.connect_guardian()
        if self.deadline is None:
            self.deadline = monotonic() + self.sandbox.notebook_timeout
        if self.stopped is None and monotonic() >= self.deadline:
            self.stopped = self.out_of_time()
        if self.stopped is not None:
            cell.outputs = [error_output("NotRun", f"Not run: {self.stopped}.")]
            return cell, resources
        if notebooks.is_test_cell(cell):
            self.run_test_cell(cell, index)
        else:
            self.run_student_cell(cell, resources, index)
        return cell, resources

    def run_student_cell(self, cell, resources, index):
        """Run a cell in the kernel as nbgrader does; if the run ends here, say why."""
        where = describe_cell(cell, index)
        try:
            super().preprocess_cell(cell, resources, index)
            return
        except DeadKernelError:
            message = f"The Python kernel stopped while running {where}: {self.exit_reason()}"
        except CellTimeoutError:
            message = f"The kernel was stopped in {where}: it went on after its time limit."
        except Exception as error:  # nbclient choked on what the kernel sent: grade on
            self.log.exception("Grading %s: nbclient failed in %s", self.student, where)
            message = f"The grader could not run {where} ({type(error).__name__})."
        self.end_run(cell, where, message)

    def end_run(self, cell, where, message):
        self.log.error("Grading %s: %s", self.student, message)
        cell.outputs.append(error_output("KernelStopped", f"{message}. Later cells were not run."))
        self.stop_kernel()
        self.stopped = f"the kernel stopped in {where}"

    def exit_reason(self):
        process = self.km.provisioner.process if self.km.provisioner else None
        return describe_exit(process.poll() if process else None)

    # --- test cells, through the guardian --------------------------------------

    def run_test_cell(self, cell, index):
        where = describe_cell(cell, index)
        name = notebooks.grade_id(cell) or f"cell {index + 1}"
        cell.execution_count = None
        problem = self.guardian_problem or self.foreign_activity()
        if problem:
            self.unconfirmed(cell, name, *problem)
            return
        timeout = self._get_timeout(cell) or self.sandbox.notebook_timeout
        nonce = secrets.token_hex(16)
        request = {
            "nonce": nonce,
            "name": name,
            "source": cell.source,
            "timeout": timeout,
            "protected": self.names,
        }
        try:
            self.send(request)
            reply = self.receive(timeout + GRACE)
        except GuardianLost as lost:
            if not run_sync(self.km.is_alive)():
                message = f"The Python kernel stopped while running {where}: {self.exit_reason()}"
                self.end_run(cell, where, message)
                return
            self.guardian_problem = (
                f"the connection to the test runner broke ({lost})",
                f"與測試執行程式的連線中斷了（{lost}）",
            )
            if "silent" in str(lost):  # student code holds the test: stop it
                self.end_run(cell, where, f"The kernel was stopped in {where}: {lost}")
                return
            self.unconfirmed(cell, name, *self.guardian_problem)
            return
        if not isinstance(reply, dict) or reply.get("nonce") != nonce:
            self.guardian_problem = (
                "a reply to a test came from somewhere else than the test runner",
                "測試的回覆並非來自測試執行程式",
            )
            self.unconfirmed(cell, name, *self.guardian_problem)
            return
        self.note_guardian_report(reply, name)
        cell.outputs = []
        if reply.get("stdout"):
            cell.outputs.append(stream_output("stdout", reply["stdout"]))
        if reply.get("stderr"):
            cell.outputs.append(stream_output("stderr", reply["stderr"]))
        if reply["status"] == "error":
            cell.outputs.append(error_output(reply["ename"], reply["evalue"], reply["traceback"]))
        elif reply["status"] != "ok":
            why = reply.get("why") or "the test runner could not tell how it ended"
            why_zh = reply.get("why_zh") or "測試執行程式無法說明測試如何結束"
            self.unconfirmed(cell, name, why, why_zh)

    def note_guardian_report(self, reply, name):
        """What the guardian undid before the test and what its wall refused: for a person."""
        undone = [str(item) for item in reply.get("undone") or []]
        if undone:
            shown = ", ".join(undone[:8]) + (", …" if len(undone) > 8 else "")
            notes.add(self.nb, "review", f"before test {name}, the grader undid changes to {shown}")
        for key, when in (
            ("refused_before", f"before test {name}"),
            ("refused_during", f"during test {name}"),
            ("refused", "after the last test"),
        ):
            refused = sorted({str(item) for item in reply.get(key) or []})
            if refused:
                self.note_refused(refused, when)

    def note_refused(self, refused, when):
        """The wall refused student code something (a frame, gc, an audit hook...)."""
        self.log.warning("Grading %s: refused %s: %s", self.student, when, "; ".join(refused))
        notes.add(self.nb, "review", f"the grader refused, {when}: {'; '.join(refused)}")
        reasons = self.nb.metadata.setdefault("coursekit", {}).setdefault(HIDE_OUTPUTS, [])
        reason = f"refused {when}: {'; '.join(refused)}"
        if reason not in reasons:
            reasons.append(reason)

    def last_report(self):
        """After the notebook's last cell: what the wall refused since the last test."""
        if self.guardian is None or self.guardian_problem or self.stopped:
            return
        nonce = secrets.token_hex(16)
        try:
            self.send({"nonce": nonce, "op": "report"})
            reply = self.receive(REPORT_WAIT)
        except GuardianLost:
            return
        if isinstance(reply, dict) and reply.get("nonce") == nonce:
            self.note_guardian_report(reply, "")

    def unconfirmed(self, cell, name, why, why_zh):
        """The test scores 0 and says why; a person is asked to look."""
        self.log.warning("Grading %s: test %s unconfirmed: %s", self.student, name, why)
        english = (
            f"This test's result cannot be confirmed: {why}. "
            "It scores 0, and your instructor will look at it."
        )
        chinese = f"無法確認這個測試的結果：{why_zh}。此測試以 0 分計，老師會查看。"
        cell.outputs.append(error_output("UnconfirmedTest", f"{english}\n{chinese}"))
        notes.add(self.nb, "review", f"test {name} could not be confirmed ({why})")

    def connect_guardian(self):
        """Take the guardian's connection (its token proves it), then close the door."""
        listener = getattr(self.km, "guardian_listener", None)
        if listener is None:
            self.guardian_problem = (
                "the kernel was started without the test runner",
                "核心啟動時沒有測試執行程式",
            )
            return
        deadline = monotonic() + GUARDIAN_WAIT
        try:
            while monotonic() < deadline:
                listener.settimeout(max(0.1, deadline - monotonic()))
                connection, _ = listener.accept()
                self.guardian = connection
                try:
                    hello = self.receive(10)
                except GuardianLost:
                    hello = None
                if isinstance(hello, dict) and hello.get("hello") == self.km.guardian_token:
                    break
                connection.close()
                self.guardian = None
        except OSError as error:
            self.guardian = None
            self.guardian_problem = (
                f"the test runner did not start ({type(error).__name__})",
                f"測試執行程式沒有啟動（{type(error).__name__}）",
            )
        finally:
            self.km.close_guardian_listener()
            socket_file = Path(self.km.runtime_dir or ".") / GUARDIAN_SOCKET
            socket_file.unlink(missing_ok=True)
        if self.guardian is None and self.guardian_problem is None:
            self.guardian_problem = ("the test runner did not start", "測試執行程式沒有啟動")
        process = self.km.provisioner.process if self.km.provisioner else None
        self.kernel_process = getattr(process, "outer_pid", None)
        self.baseline = processes.activity(self.kernel_process)

    def foreign_activity(self):
        """(why, 為何) student code may still be running beside the test; None when nothing is."""
        now = processes.activity(self.kernel_process)
        if now is None or self.baseline is None:
            return None
        threads, children = now[0] - self.baseline[0], now[1] - self.baseline[1]
        found, found_zh = [], []
        if threads > 0:
            found.append(f"{threads} thread(s) started by your code are still running")
            found_zh.append(f"你的程式啟動的 {threads} 個執行緒仍在執行")
        if children > 0:
            found.append(f"{children} process(es) started by your code are still running")
            found_zh.append(f"你的程式啟動的 {children} 個行程仍在執行")
        return ("; ".join(found), "；".join(found_zh)) if found else None

    def send(self, message):
        data = marshal.dumps(message)
        try:
            self.guardian.settimeout(10)
            self.guardian.sendall(len(data).to_bytes(LENGTH_BYTES, "big") + data)
        except OSError as error:
            raise GuardianLost(type(error).__name__) from None

    def receive(self, timeout):
        deadline = monotonic() + timeout
        header = self.receive_exactly(LENGTH_BYTES, deadline)
        body = self.receive_exactly(int.from_bytes(header, "big"), deadline)
        try:
            return marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            raise GuardianLost("an unreadable reply") from None

    def receive_exactly(self, count, deadline):
        data = b""
        while len(data) < count:
            left = deadline - monotonic()
            if left <= 0:
                raise GuardianLost("the test went silent past its time limit")
            self.guardian.settimeout(left)
            try:
                chunk = self.guardian.recv(min(count - len(data), 1 << 20))
            except TimeoutError:
                continue
            except OSError as error:
                raise GuardianLost(type(error).__name__) from None
            if not chunk:
                raise GuardianLost("it closed")
            data += chunk
        return data

    # --- limits ----------------------------------------------------------------

    def out_of_time(self):
        limit = self.sandbox.notebook_timeout
        self.log.error(
            "Grading %s: the notebook used up its %s s (c.GradingSandbox.notebook_timeout)",
            self.student,
            limit,
        )
        self.stop_kernel()
        return f"the notebook used up its time limit of {limit} seconds"

    def stop_kernel(self):
        try:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already gone
            self.log.debug("the kernel had already stopped", exc_info=True)

    def _get_timeout(self, cell):
        """The cell's own timeout, shortened to what is left of the notebook's time."""
        timeout = super()._get_timeout(cell)
        if self.deadline is None:
            return timeout
        left = max(1, int(self.deadline - monotonic()) + 1)
        return left if timeout is None else min(timeout, left)

    def create_kernel_manager(self):
        """A kernel forked by this process's kernel factory (coursekit/sandbox/factory.py)."""
        kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        hidden = None
        if self.mode == "sandbox":
            hidden = hidden_layout(protected_paths(self.config, self.sandbox), sys.executable)
        factory = factory_for(self.sandbox, self.mode, hidden, self.log)
        self.km = FactoryKernelManager(kernel_name=kernel_name, config=self.config, factory=factory)
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most `output_limit` bytes of output per cell; errors are always kept."""
        kind = msg.get("msg_type")
        size = len(repr(msg.get("content", "")))
        before = self.output_sizes.get(cell_index, 0)
        self.output_sizes[cell_index] = before + size
        limit = self.sandbox.output_limit
        if before + size <= limit or kind == "error":
            return super().output(outs, msg, display_id, cell_index)
        if before <= limit:  # the first output past the limit; not a stream, which gets merged
            note = f"[output truncated: more than {limit} bytes]"
            data = {"text/plain": note}
            outs.append(NotebookNode(output_type="display_data", data=data, metadata={}))
        is_stderr = kind == "stream" and msg["content"].get("name") == "stderr"
        if is_stderr and not any(output.get("name") == "stderr" for output in outs):
            text = "[stderr output truncated]\n"  # stderr costs a test its points: keep that
            outs.append(NotebookNode(output_type="stream", name="stderr", text=text))
        return None
