"""Write one zip per assignment, for students who get the exercise from eLearn.

The slides' own flow: download the exercise from the e-learning system, open it in
your own Anaconda (Jupyter) or in Google Colab, and upload the notebook. The
released notebook alone does not run there: its test cells import coursecheck.
So build/handout/ASSIGNMENT.zip holds, all at its top level:

    ASSIGNMENT.ipynb   the student version, from release/ (never a file of source/)
    data files         the other files of release/ASSIGNMENT/ (e.g. data_Hw2.csv)
    coursecheck/       the checks the test cells import: Python finds this folder
                       because it is the notebook's own folder (Jupyter's working
                       folder), with no installation
    README.txt         how to open it in Anaconda/Jupyter and in Colab, and hand in

Top level, not in a folder of its own: unzipping it in Colab's /content puts the
checks and the data beside the notebook, and on a laptop "Extract All" (Windows)
or a double click (macOS) makes the folder ASSIGNMENT/ anyway. The zip is the same
byte for byte on every run from the same files. Nothing is written if a line of a
solution or hidden test would be in it (coursekit.apps.bundle.refuse_leaks).

Usage: python -m coursekit.apps.handout [OUTDIR] [--only ASSIGNMENT ...]  (`make handout`)
"""

import argparse
import os
import sys
import zipfile
from pathlib import Path

from coursekit.apps import bundle
from coursekit.apps.bundle import HAND_IN_NAME

REPO = bundle.REPO
DEFAULT_OUTDIR = REPO / "build" / "handout"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed, so that the same files give the same zip
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


def listing(notebook, data_files, says):
    """The lines that list the zip's files; `says` is what each kind of file is, in order."""
    rows = [(notebook, says[0]), ("coursecheck/", says[1])]
    rows += [(name, says[2]) for name in data_files] + [("README.txt", says[3])]
    return "\n".join(f"  {name:<28} {what}" for name, what in rows)


def readme(assignment, data_files):
    """README.txt of the zip, in English and 繁體中文."""
    notebook = f"{assignment}.ipynb"
    title = f"{assignment} · Activation functions"
    beside = " and ".join(["coursecheck/", *data_files])
    beside_zh = " 和 ".join(["coursecheck/", *data_files])
    files = listing(
        notebook,
        data_files,
        [
            "the exercise: write your answers in it and hand it in",
            "the checks the test cells run (do not change it)",
            "data the exercise reads",
            "this file",
        ],
    )
    files_zh = listing(
        notebook,
        data_files,
        [
            "作業本身：在這裡作答，最後繳交這個檔案",
            "測試格要用的檢查程式（請不要修改）",
            "作業要讀的資料",
            "本說明",
        ],
    )
    return f"""{title}
{"=" * len(title)}

This folder holds:
{files}

Keep them together: the notebook finds {beside} in its own folder.

In Anaconda (Jupyter) on your computer
  1. Unzip the file (Windows: right-click > Extract All; macOS: double-click).
  2. Start Anaconda Navigator > JupyterLab (or Jupyter Notebook), go to the
     unzipped folder and open {notebook}.
     (Or in Anaconda Prompt / a terminal: cd into the folder, then: jupyter lab)
  3. Run the cells from the top with Shift + Enter. Write your code where it says
     YOUR CODE HERE; the test cell under each answer checks it.

In Google Colab
  1. colab.research.google.com > File > Upload notebook > choose {notebook}
     (from the unzipped folder).
  2. Click the folder icon on the left (Files) > Upload, and choose {assignment}.zip
     itself.
  3. Add a code cell at the very top and run it:
         !unzip -o {assignment}.zip -x "*.ipynb"
     This puts {beside} beside the notebook (the notebook you
     work in is the one open in Colab). Then delete that cell.
  4. Run the cells from the top. Colab forgets uploaded files when the session
     ends: after a reconnect, repeat steps 2 and 3.

Hand in
  Save (Colab: File > Download > Download .ipynb), rename the notebook
  {HAND_IN_NAME}
  (e.g. 110034501_3_王小明_Activation functions.ipynb) and upload it to eLearn
  before the deadline. Upload only the notebook, not the zip or coursecheck/.
  Your instructor grades with further, hidden tests (other inputs): write code
  that works for any input, not only for the visible tests.


繁體中文
--------

這個資料夾裡有：
{files_zh}

請把它們放在同一個資料夾：筆記本會在自己的資料夾裡找到 {beside_zh}。

在自己電腦的 Anaconda（Jupyter）
  1. 解壓縮（Windows：按右鍵 > 解壓縮全部；macOS：按兩下）。
  2. 開啟 Anaconda Navigator > JupyterLab（或 Jupyter Notebook），
     進入解壓縮後的資料夾，打開 {notebook}。
     （也可以在 Anaconda Prompt／終端機 cd 到該資料夾，再輸入 jupyter lab）
  3. 從最上面開始用 Shift + Enter 依序執行。在 YOUR CODE HERE 的地方寫程式，
     每個答案下方的測試格會檢查它。

在 Google Colab
  1. colab.research.google.com > 檔案 > 上傳筆記本 > 選擇（解壓縮後資料夾裡的）
     {notebook}。
  2. 按左側的資料夾圖示（檔案）> 上傳，選擇 {assignment}.zip 這個壓縮檔本身。
  3. 在最上方新增一個程式碼儲存格並執行：
         !unzip -o {assignment}.zip -x "*.ipynb"
     這會把 {beside_zh} 放到筆記本旁邊（你作答的是在 Colab 裡
     打開的那一份筆記本）。執行後刪掉這一格。
  4. 從最上面開始依序執行。Colab 的工作階段結束後會忘記上傳的檔案：
     重新連線後，請再做一次步驟 2 和 3。

繳交
  存檔（Colab：檔案 > 下載 > 下載 .ipynb），把筆記本改名為
  {HAND_IN_NAME}
  （例如 110034501_3_王小明_Activation functions.ipynb），在截止前上傳到 eLearn。
  只上傳筆記本，不要上傳 zip 或 coursecheck/。
  老師評分時還會用其他隱藏測試（不同的輸入），所以程式要對任何輸入都正確，
  而不只是通過看得到的測試。
"""


def members(assignment, root=REPO):
    """(name in the zip, bytes) of one assignment's hand-out, README.txt last."""
    root = Path(root)
    released = root / "release" / assignment
    files = [(f"{assignment}.ipynb", (released / f"{assignment}.ipynb").read_bytes())]
    data_files = []
    for path in sorted(released.iterdir()):
        if path.is_file() and path.name != f"{assignment}.ipynb" and not hidden(path.name):
            files.append((path.name, path.read_bytes()))
            data_files.append(path.name)
    for package in bundle.package_modules(root):
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(package.parent)
            if not any(hidden(part) or part in SKIPPED for part in relative.parts):
                files.append((relative.as_posix(), path.read_bytes()))
    files.append(("README.txt", readme(assignment, data_files).encode("utf-8-sig")))
    return files


def hidden(name):
    return name.startswith(".") or name.endswith("~") or name in SKIPPED


def write_handout(assignment, outdir=DEFAULT_OUTDIR, root=REPO):
    """Write OUTDIR/ASSIGNMENT.zip and return its path."""
    files = members(assignment, root)
    bundle.refuse_leaks(files, root, what=f"the hand-out of {assignment}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{assignment}.zip"
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(partial, target)
    return target


def write_handouts(outdir=DEFAULT_OUTDIR, only=None, root=REPO):
    """One zip per released assignment (or per name in `only`); returns their paths."""
    known = bundle.assignments(root)
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise ValueError(f"no released assignment {unknown}; release/ has {known}")
    return [write_handout(name, outdir, root) for name in only or known]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", default=str(DEFAULT_OUTDIR))
    parser.add_argument("--only", nargs="+", metavar="ASSIGNMENT", help="these assignments only")
    args = parser.parse_args(argv)
    try:
        written = write_handouts(args.outdir, args.only)
    except (ValueError, bundle.LeakError) as error:
        sys.exit(f"make handout: {error}")
    for path in written:
        shown = os.path.relpath(path) if Path.cwd() in path.resolve().parents else path
        print(f"{shown}: put it on eLearn as the exercise's download")


if __name__ == "__main__":
    main()
