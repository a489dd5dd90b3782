"""SafeExecute: nbgrader's Execute step, in the sandbox, ending every notebook with grades.

Plain nbgrader loses a student's whole result when the kernel dies (os._exit,
a segfault, a limit) or when a cell ignores the interrupt after its timeout: it
removes the student's autograded folder and records no grade. Here the notebook
always completes: the cell where the run ended gets an error output saying what
happened, every later code cell an error saying it was not run, so nbgrader's
SaveAutoGrades gives 0 to the tests that could not run and keeps the points of
the tests that passed before. The whole notebook also has a time limit.
"""

import os
import sys
from time import monotonic

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade

from coursekit.sandbox.bwrap import hidden_layout
from coursekit.sandbox.kernel import LimitedKernelManager, SandboxedKernelManager
from coursekit.sandbox.settings import GradingSandbox, sandbox_mode

UNREADABLE = "unreadable_submission"  # notebook metadata coursekit.<this> = why, set on reading
DEFAULT_EXCHANGE = "/usr/local/share/nbgrader/exchange"


def error_output(ename, evalue):
    return NotebookNode(
        output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )


def describe_cell(cell, index):
    """How a student finds the cell: its position and its first line of code."""
    first_line = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    return f"cell {index + 1} of the notebook (`{first_line}`)"


def describe_exit(code, sandboxed):
    """Why a kernel process ended, from its exit status (bwrap reports signal N as 128 + N)."""
    if code is None:
        return "the kernel stopped responding"
    if code < 0:
        signal_number = -code
    elif sandboxed and code > 128:
        signal_number = code - 128
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
    return [os.path.abspath(path) for path in paths]


class SafeExecute(Execute):
    """nbgrader's Execute, in the grading sandbox, with a grade for every notebook."""

    def preprocess(self, nb, resources, km=None):
        self.student = resources.get("nbgrader", {}).get("student", "?")
        reason = nb.metadata.get("coursekit", {}).get(UNREADABLE)
        if reason:
            for cell in nb.cells:
                if cell.cell_type == "code" and is_grade(cell):
                    cell.outputs = [error_output("UnreadableSubmission", f"Not graded: {reason}.")]
            return nb, resources

        self.sandbox = GradingSandbox(parent=self)
        self.mode = sandbox_mode(self.sandbox, self.log)
        self.deadline = monotonic() + self.sandbox.notebook_timeout
        self.output_sizes = {}

        # nbconvert's ExecutePreprocessor.preprocess, but a cell ending the run ends it cleanly
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        stopped = None  # why the run ended early, if it did
        with self.setup_kernel():
            info_msg = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if stopped is None and monotonic() >= self.deadline:
                    stopped = self.out_of_time()
                if stopped is not None:
                    cell.outputs = [error_output("NotRun", f"Not run: {stopped}.")]
                    continue
                stopped = self.run_cell(cell, resources, index)
        self.set_widgets_metadata()
        return self.nb, self.resources

    def run_cell(self, cell, resources, index):
        """Run one cell; None if the kernel goes on, else why the run ended."""
        where = describe_cell(cell, index)
        try:
            self.preprocess_cell(cell, resources, index)
            return None
        except DeadKernelError:
            process = self.km.provisioner.process if self.km.provisioner else None
            code = process.poll() if process else None
            message = f"The Python kernel stopped while running {where}: "
            message += describe_exit(code, self.mode == "sandbox")
        except CellTimeoutError:
            message = f"The kernel was stopped in {where}: it went on after its time limit."
        except Exception as error:  # nbclient choked on what the kernel sent: grade on
            self.log.exception("Grading %s: nbclient failed in %s", self.student, where)
            message = f"The grader could not run {where} ({type(error).__name__})."
        self.log.error("Grading %s: %s", self.student, message)
        cell.outputs.append(error_output("KernelStopped", f"{message}. Later cells were not run."))
        self.stop_kernel()
        return f"the kernel stopped in {where}"

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
        left = max(1, int(self.deadline - monotonic()) + 1)
        return left if timeout is None else min(timeout, left)

    def create_kernel_manager(self):
        kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        if self.mode == "sandbox":
            hidden = hidden_layout(protected_paths(self.config, self.sandbox), sys.executable)
            self.km = SandboxedKernelManager(
                kernel_name=kernel_name,
                config=self.config,
                settings=self.sandbox,
                hidden=hidden,
            )
        else:
            self.km = LimitedKernelManager(
                kernel_name=kernel_name, config=self.config, settings=self.sandbox
            )
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
