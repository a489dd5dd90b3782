"""course/explorer.py, driven through its widgets without a browser.

The widgets' values are set as a student's clicks would set them; the tests then read
what is on the plot (Line2D data, visibility, axes limits) and the image in the Output
widget, and compare them with course/activations.py. One test runs the explorer in a
real Jupyter kernel (default inline backend) and renders the result to HTML.
"""

import base64
import shutil
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

from course import activations  # noqa: E402
from course.explorer import ALPHA_RANGES, POINTS, Explorer, explore  # noqa: E402
from coursekit.course import REPO  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            yield


def shown_png(explorer):
    """The PNG bytes currently shown in the explorer's Output widget (exactly one output)."""
    (output,) = explorer.output.outputs
    assert output["output_type"] == "display_data"
    png = base64.b64decode(output["data"]["image/png"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return png


def expected_curves(name, x_range, alpha=None):
    function, derivative, parameter, _ = activations.ACTIVATIONS[name]
    keywords = {} if parameter is None else {parameter: alpha}
    x = np.linspace(*x_range, POINTS)
    dy = None if derivative is None else derivative(x, **keywords)
    return x, function(x, **keywords), dy


def assert_plotted(explorer, name, x_range, alpha=None, derivative_shown=False):
    x, y, dy = expected_curves(name, x_range, alpha)
    np.testing.assert_array_equal(explorer.line.get_xdata(), x)
    np.testing.assert_array_equal(explorer.line.get_ydata(), y)
    assert explorer.line.get_visible()
    assert explorer.derivative_line.get_visible() == derivative_shown
    if derivative_shown:
        np.testing.assert_array_equal(explorer.derivative_line.get_xdata(), x)
        np.testing.assert_array_equal(explorer.derivative_line.get_ydata(), dy)
    # The view follows the data: the x-range exactly, every plotted y inside the y-limits.
    assert explorer.axes.get_xlim() == pytest.approx(x_range)
    low, high = explorer.axes.get_ylim()
    shown_y = np.concatenate([y, dy]) if derivative_shown else y
    assert low <= shown_y.min() and shown_y.max() <= high


def test_starts_with_the_sigmoid_and_shows_a_figure():
    explorer = Explorer()
    assert explorer.function.value == "sigmoid"
    assert explorer.alpha.disabled and not explorer.show_derivative.disabled
    assert_plotted(explorer, "sigmoid", (-5.0, 5.0))
    assert explorer.axes.get_title() == "Sigmoid"
    shown_png(explorer)


def test_driving_the_controls_updates_one_figure_in_place():
    figures_before = plt.get_fignums()
    explorer = Explorer()
    figure, axes = explorer.figure, explorer.axes
    line, derivative_line = explorer.line, explorer.derivative_line
    images = {shown_png(explorer)}

    explorer.function.value = "elu"
    assert not explorer.alpha.disabled and explorer.alpha.value == 1.0
    assert_plotted(explorer, "elu", (-5.0, 5.0), alpha=1.0)
    explorer.alpha.value = 0.5
    explorer.show_derivative.value = True
    assert_plotted(explorer, "elu", (-5.0, 5.0), alpha=0.5, derivative_shown=True)
    assert explorer.axes.get_title() == "ELU (alpha = 0.50)"
    images.add(shown_png(explorer))

    explorer.x_range.value = (-2.0, 3.5)
    assert_plotted(explorer, "elu", (-2.0, 3.5), alpha=0.5, derivative_shown=True)
    images.add(shown_png(explorer))

    explorer.function.value = "leaky_relu"  # alpha resets to the new function's default
    assert explorer.alpha.value == 0.01
    assert_plotted(explorer, "leaky_relu", (-2.0, 3.5), alpha=0.01, derivative_shown=True)
    explorer.alpha.value = 0.2
    assert_plotted(explorer, "leaky_relu", (-2.0, 3.5), alpha=0.2, derivative_shown=True)

    explorer.function.value = "step"  # no parameter, no derivative
    assert explorer.alpha.disabled and explorer.show_derivative.disabled
    assert_plotted(explorer, "step", (-2.0, 3.5), derivative_shown=False)
    assert len(explorer.derivative_line.get_xdata()) == 0
    images.add(shown_png(explorer))

    explorer.function.value = "tanh"  # the derivative, still asked for, comes back
    assert not explorer.show_derivative.disabled
    assert_plotted(explorer, "tanh", (-2.0, 3.5), derivative_shown=True)
    explorer.show_derivative.value = False
    assert_plotted(explorer, "tanh", (-2.0, 3.5), derivative_shown=False)
    images.add(shown_png(explorer))

    assert len(images) == 5  # every change redrew the image
    assert explorer.figure is figure and explorer.axes is axes
    assert explorer.line is line and explorer.derivative_line is derivative_line
    assert figure.axes == [axes] and list(axes.lines) == [line, derivative_line]
    assert plt.get_fignums() == figures_before


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_every_function_with_its_derivative(name):
    explorer = explore(x_range=(-8.0, 8.0), show_derivative=True)
    explorer.function.value = name
    _, derivative, parameter, default = activations.ACTIVATIONS[name]
    alpha = None if parameter is None else default
    assert_plotted(explorer, name, (-8.0, 8.0), alpha, derivative_shown=derivative is not None)
    assert explorer.show_derivative.disabled == (derivative is None)
    assert explorer.alpha.disabled == (parameter is None)


def homework_alphas():
    """The alphas of the Leaky ReLU homework's data_Hw2.csv (first column after the header)."""
    lines = (REPO / "release/leaky_relu_homework/data_Hw2.csv").read_text().split()
    assert lines[0].startswith("alpha,")
    return [float(line.split(",")[0]) for line in lines[1:]]


def test_leaky_relu_alpha_goes_negative_and_above_one():
    """The homework's alphas (-0.5 and 2 among them) can all be set on the slider."""
    explorer = explore("leaky_relu", x_range=(-4.0, 4.0), show_derivative=True)
    assert (explorer.alpha.min, explorer.alpha.max) == ALPHA_RANGES["leaky_relu"]
    assert explorer.alpha.min < 0 and explorer.alpha.max >= 2
    alphas = homework_alphas()
    assert -0.5 in alphas and 2.0 in alphas
    for alpha in alphas:
        explorer.alpha.value = alpha
        assert explorer.alpha.value == alpha  # not clipped by the slider
        assert_plotted(explorer, "leaky_relu", (-4.0, 4.0), alpha, derivative_shown=True)
    assert explorer.axes.get_title() == "Leaky ReLU (alpha = 2.00)"
    explorer.alpha.value = -0.5
    assert explorer.axes.get_title() == "Leaky ReLU (alpha = -0.50)"
    assert explorer.line.get_ydata()[0] == 2.0  # -0.5 * -4: the negative side rises


def test_elu_alpha_stays_non_negative_and_switching_keeps_the_ranges():
    explorer = explore("leaky_relu")
    explorer.alpha.value = -1.0
    explorer.function.value = "elu"  # ELU's alpha must not be negative
    assert (explorer.alpha.min, explorer.alpha.max) == ALPHA_RANGES["elu"] == (0.0, 3.0)
    assert explorer.alpha.value == 1.0
    explorer.alpha.value = 3.0
    explorer.function.value = "leaky_relu"
    assert (explorer.alpha.min, explorer.alpha.max) == ALPHA_RANGES["leaky_relu"]
    assert explorer.alpha.value == 0.01
    assert_plotted(explorer, "leaky_relu", (-5.0, 5.0), alpha=0.01)
    # Every function with an alpha has a range that holds its default value.
    for name, (_, _, parameter, default) in activations.ACTIVATIONS.items():
        if parameter is not None:
            low, high = ALPHA_RANGES[name]
            assert low <= default <= high


def px(width):
    assert width.endswith("px")
    return float(width.removesuffix("px"))


def test_slider_readouts_fit():
    """JupyterLab's default slider (300 px, label included) cut the readout to '-10.00 – 10'.

    The sliders are wider, with a fixed label width, and the x-range readout has one
    decimal (the step is 0.5), so its widest text, '-20.0 – 20.0', fits.
    """
    explorer = Explorer()
    for slider in (explorer.alpha, explorer.x_range):
        assert px(slider.layout.width) >= 400
        assert px(slider.style.description_width) >= 60
        assert slider.readout
        assert slider in explorer.widget.children  # one slider per row, not squeezed in an HBox
    assert explorer.x_range.readout_format == ".1f"
    assert explorer.x_range.step == 0.5  # one decimal shows every value exactly
    widest = f"{explorer.x_range.min:.1f} – {explorer.x_range.max:.1f}"
    assert widest == "-20.0 – 20.0"
    assert explorer.alpha.readout_format == ".2f"
    assert f"{explorer.alpha.step:.2f}" == "0.01"  # two decimals show every alpha exactly


def test_explore_takes_a_starting_state():
    explorer = explore("gelu", x_range=(-4.0, 2.0), show_derivative=True)
    assert_plotted(explorer, "gelu", (-4.0, 2.0), derivative_shown=True)
    explorer = explore("elu")
    assert explorer.alpha.value == 1.0 and not explorer.alpha.disabled


def test_a_collapsed_range_draws_without_warnings():
    explorer = Explorer()
    explorer.x_range.value = (3.0, 3.0)
    np.testing.assert_array_equal(explorer.line.get_xdata(), np.full(POINTS, 3.0))
    shown_png(explorer)


def test_display_carries_the_widgets_and_a_static_image(capfd):
    explorer = Explorer(function="relu")
    bundle = explorer._repr_mimebundle_()
    assert bundle[WIDGET_VIEW]["model_id"] == explorer.widget.model_id
    assert base64.b64decode(bundle["image/png"]) == shown_png(explorer)
    assert bundle["text/plain"] == "<Figure: ReLU>"
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


LESSON_CELLS = [
    "from explorer import explore",
    "explorer = explore()\nexplorer",
    'explorer.function.value = "elu"\nexplorer.alpha.value = 0.3',
    "explorer.show_derivative.value = True",
    "import matplotlib.pyplot as plt\nprint(plt.get_fignums(), explorer.axes.get_title())",
]


def test_in_a_jupyter_kernel_with_the_inline_backend(tmp_path):
    """As in a lesson: a fresh kernel in course/, default backend, then an HTML page."""
    folder = tmp_path / "course"
    folder.mkdir()
    for name in ("activations.py", "explorer.py"):
        shutil.copy(REPO / "course" / name, folder)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in LESSON_CELLS]
    NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()

    outputs = [cell.outputs for cell in notebook.cells]
    for cell_outputs in outputs:
        for output in cell_outputs:
            assert output.output_type != "error", output
            assert output.get("name") != "stderr", output.text
    (shown,) = outputs[1]  # the explorer itself, and no second copy of its figure
    assert WIDGET_VIEW in shown.data and "image/png" in shown.data
    assert outputs[2] == [] and outputs[3] == []
    assert outputs[4][0].text == "[] ELU (alpha = 0.30)\n"

    # An HTML page with the saved widget state shows the live widgets, whose Output holds
    # the last figure; without widget state it falls back to the static figure.
    image = shown.data["image/png"]
    html, _ = HTMLExporter().from_notebook_node(notebook)
    assert WIDGET_VIEW in html and f'src="data:image/png;base64,{image}' not in html
    last_state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    last_images = [
        output["data"]["image/png"]
        for model in last_state.values()
        for output in model["state"].get("outputs", [])
    ]
    assert len(last_images) == 1 and last_images[0] != image
    assert last_images[0].replace("/", "\\/") in html  # nbconvert escapes / in scripts
    del notebook.metadata["widgets"]
    html, _ = HTMLExporter().from_notebook_node(notebook)
    assert f'src="data:image/png;base64,{image}' in html
