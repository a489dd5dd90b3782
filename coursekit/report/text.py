"""Every heading and explanation of the class report, in English and 繁體中文.

One table, TEXT: key -> (English, 繁體中文). The page (html.py) and the figures
(plots.py) take their words from here only, so the two languages cannot drift apart.
Placeholders in braces are filled in by `both`.
"""

TEXT = {
    "title": ("Class report: {assignment}", "班級報告：{assignment}"),
    "made": (
        "Made {when} from the course folder {folder}.",
        "產生於 {when}，資料來自課程資料夾 {folder}。",
    ),
    "summary": (
        "{students} students on the class list; {graded} graded submissions.",
        "修課名單上有 {students} 位學生；已批改 {graded} 份繳交。",
    ),
    "pending": (
        "{n} graded submissions still have an answer to be graded by hand: their scores may rise.",
        "有 {n} 份已批改的繳交還有答案待老師評分：分數可能還會增加。",
    ),
    "offline": (
        "This page needs no network: the figures are inside it, and saved as PNG files beside it.",
        "本頁不需要網路：圖都在頁面裡，也另存為同一資料夾中的 PNG 檔。",
    ),
    "scores": ("Score distribution", "分數分布"),
    "scores_about": (
        "How many graded submissions got each score, out of {max}. Missing and not-graded "
        "students are not counted here; they are listed under “Students to look at”.",
        "每個分數（滿分 {max}）有幾份已批改的繳交。未繳交與未批改的學生不計入，"
        "列在「需要留意的學生」。",
    ),
    "scores_stats": (
        "Mean {mean}, median {median}, out of {max}.",
        "平均 {mean}，中位數 {median}，滿分 {max}。",
    ),
    "passes": ("Pass rate of each test cell", "各測試格的通過率"),
    "passes_about": (
        "The share of graded submissions that got a test cell's full points.",
        "拿到該測試格滿分的已批改繳交所占的比例。",
    ),
    "failures": ("Most common failure messages", "最常見的錯誤訊息"),
    "failures_about": (
        "What the students read under each test cell, grouped by message exactly as printed, "
        "numbers included: the tests are deterministic, so one mistake prints one message. "
        "A large group is a misconception worth a word in class.",
        "學生在每個測試格下方看到的訊息，依印出的內容（包括數字）分組："
        "測試的結果是確定的，同一種錯誤會印出同一則訊息。人數多的一組，就是值得在課堂上說明的觀念錯誤。",
    ),
    "cell_passed": ("{passed} of {graded} passed", "{graded} 份中 {passed} 份通過"),
    "all_passed": ("Every graded submission passed this test.", "所有已批改的繳交都通過這個測試。"),
    "more": (
        "… and {n} other messages ({students} students).",
        "……還有另外 {n} 種訊息（{students} 人）。",
    ),
    "message": ("Message", "訊息"),
    "count": ("Students", "人數"),
    "who": ("Who", "學生"),
    "flagged": ("Students to look at", "需要留意的學生"),
    "late": ("Late", "遲交"),
    "late_about": (
        "Submitted after the deadline ({due} UTC).",
        "在截止時間（{due} UTC）之後繳交。",
    ),
    "missing": ("Missing", "未繳交"),
    "missing_about": (
        "On the class list, with no graded submission.",
        "在修課名單上，但沒有已批改的繳交。",
    ),
    "not_graded": ("Not graded", "未批改"),
    "not_graded_about": (
        "The submission could not be graded; it counts 0 until it is fixed and graded again.",
        "這份繳交無法批改；在修正並重新批改之前以 0 分計。",
    ),
    "review": ("Needs review", "需要人工檢查"),
    "review_about": (
        "The grader found code that reaches into the kernel, the interpreter or the grader. "
        "The score stands as graded; a person should read the code.",
        "批改程式發現碰觸核心、直譯器或批改程式的程式碼。分數依批改結果不變；請由老師閱讀程式碼。",
    ),
    "recovered": ("Graded after recovery", "修復後批改"),
    "recovered_about": (
        "A damaged or renamed notebook that was still graded; the student reads the same "
        "note in the feedback.",
        "損壞或改過檔名的筆記本仍然批改了；學生在回饋中會看到同樣的說明。",
    ),
    "none": ("None.", "無。"),
    "student": ("Student", "學號"),
    "name": ("Name", "姓名"),
    "reason": ("Reason", "原因"),
    "unmatched": ("Uploads that matched no student", "對不到學生的上傳檔"),
    "pairs": ("Submissions with alike answer code", "答案程式碼相似的繳交"),
    "pairs_about": (
        "A lead for a person, never a verdict. The answer cells of {n} submissions were "
        "compared with copydetect after normalising names, comments and formatting. A pair is "
        "listed when each of the two has at least {threshold} % of its answer code in the "
        "other and they share at least {shared} normalised characters; the code the notebook "
        "gave, and code that more than {common} submissions share, does not count. Alike code "
        "has innocent causes too (the slides, a study group, a short exercise with one natural "
        "answer): read both before you talk to the students.",
        "這只是供老師進一步查看的線索，絕不是判定。{n} 份繳交的答案格在統一變數名稱、"
        "去除註解與排版差異之後，以 copydetect 比對。兩份繳交各自至少有 {threshold}% 的答案程式碼"
        "出現在對方之中，且共同的部分至少有 {shared} 個正規化字元時才會列出；筆記本原本給的程式碼，"
        "以及超過 {common} 份繳交都有的程式碼，不計入。相似也可能有正當的原因（投影片、讀書會、"
        "只有一種自然寫法的短題目）：請先讀過兩份程式碼，再與學生談。",
    ),
    "pair_marked": (
        "Each pair: the share of the first one's answer code found in the second's, and of "
        "the second's in the first's. Highlighted: the code the two have in common, after "
        "normalising.",
        "每一對：第一份的答案程式碼出現在第二份之中的比例，以及第二份出現在第一份之中的比例。"
        "標示處：正規化之後兩者共同的程式碼。",
    ),
    "no_pairs": (
        "No pair of the {n} compared submissions reaches the threshold.",
        "比對的 {n} 份繳交中，沒有任何一對達到門檻。",
    ),
    "more_pairs": (
        "… and {n} more pairs, less alike (the {shown} most alike are shown).",
        "……還有 {n} 對相似度較低的（只顯示最相似的 {shown} 對）。",
    ),
    # the figures
    "axis_score": ("Score", "分數"),
    "axis_students": ("Submissions", "繳交份數"),
    "axis_pass_rate": ("Pass rate (%)", "通過率（%）"),
}


def both(key, **values):
    """(English, 繁體中文) of `key`, placeholders filled in."""
    english, chinese = TEXT[key]
    return english.format(**values), chinese.format(**values)
