"""Interactive explorer of the activation functions, for the lesson notebooks.

In a lesson cell (the notebook's folder is course/)::

    from explorer import explore

    explore()                      # or explore("elu", x_range=(-4, 2), show_derivative=True)

Choose a function, move its parameter (alpha, for Leaky ReLU and ELU only), show its
derivative and change the x-range: one figure updates in place. Leaky ReLU's alpha
goes from -1 to 2 (the homework's data_Hw2.csv has -0.5 and 2); ELU's from 0 to 3,
because with a negative alpha ELU's negative side would rise above 0.

How it is drawn, and why: the course runs with matplotlib's default inline backend
(ipympl is not installed), which can only show images. So the explorer keeps ONE
matplotlib Figure (made without pyplot, so plt.get_fignums() never grows and the
inline backend never shows or closes it behind our back), updates its Line2D data on
every change, renders it to PNG and replaces the image inside an ipywidgets.Output.
Replacing Output.outputs in one assignment works from widget callbacks and never
flickers. The explorer's display also carries that PNG: JupyterLab prefers the live
widgets, while a page without widgets (nbconvert HTML, a static notebook viewer) shows
the figure as a plain image.
"""

import base64
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

try:  # imported as course.explorer (tests, tooling)
    from . import activations
except ImportError:  # imported from a lesson notebook, whose working folder is course/
    import activations

LABELS = {
    "step": "Step",
    "identity": "Identity (linear)",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
    "selu": "SELU",
    "softplus": "Softplus",
    "gelu": "GELU",
    "silu": "SiLU (swish)",
    "mish": "Mish",
}
X_LIMIT = 20.0  # the x-range slider spans [-X_LIMIT, X_LIMIT]
# The alpha slider's (min, max) for each function that has an alpha.
ALPHA_RANGES = {"leaky_relu": (-1.0, 2.0), "elu": (0.0, 3.0)}
# Wide enough that a readout such as "-10.0 – 10.0" is never cut off (JupyterLab's
# default slider is 300 px, labels included, and squeezes the readout).
SLIDER_WIDTH = "460px"
LABEL_WIDTH = "70px"
POINTS = 1001
DPI = 100


class Explorer:
    """One figure and its controls. The widgets are attributes, so code (and tests) can drive it.

    function         Dropdown: a name from activations.ACTIVATIONS
    alpha            FloatSlider: the parameter (range: ALPHA_RANGES), disabled where there is none
    show_derivative  Checkbox: disabled for functions without a derivative (step, identity)
    x_range          FloatRangeSlider: the plotted interval
    figure, axes, line, derivative_line, output: the matplotlib objects and the Output widget
    """

    def __init__(self, function="sigmoid", x_range=(-5.0, 5.0), show_derivative=False):
        self.function = widgets.Dropdown(
            options=[(LABELS[name], name) for name in activations.ACTIVATIONS],
            value=function,
            description="Function",
        )
        self.alpha = widgets.FloatSlider(
            value=1.0,
            min=0.0,
            max=3.0,
            step=0.01,
            description="alpha",
            readout_format=".2f",
            style={"description_width": LABEL_WIDTH},
            layout=widgets.Layout(width=SLIDER_WIDTH),
        )
        self.show_derivative = widgets.Checkbox(value=show_derivative, description="derivative")
        self.x_range = widgets.FloatRangeSlider(
            value=x_range,
            min=-X_LIMIT,
            max=X_LIMIT,
            step=0.5,
            description="x range",
            readout_format=".1f",
            style={"description_width": LABEL_WIDTH},
            layout=widgets.Layout(width=SLIDER_WIDTH),
        )
        self.output = widgets.Output()

        self.figure = Figure(figsize=(6.4, 4.0), dpi=DPI, layout="constrained")
        self.axes = self.figure.add_subplot()
        (self.line,) = self.axes.plot([], [], linewidth=2, label="f(x)")
        (self.derivative_line,) = self.axes.plot([], [], linewidth=2, linestyle="--", label="f'(x)")
        self.axes.set_xlabel("x")
        self.axes.set_xmargin(0)
        self.axes.grid(True, alpha=0.3)

        self.widget = widgets.VBox(
            [
                widgets.HBox([self.function, self.show_derivative]),
                self.alpha,
                self.x_range,
                self.output,
            ]
        )
        self._changing_function = False
        self._match_controls_to_function()
        self.function.observe(self._on_function_change, names="value")
        for control in (self.alpha, self.show_derivative, self.x_range):
            control.observe(self._on_control_change, names="value")
        self.update()

    def _match_controls_to_function(self):
        """Enable alpha and the derivative checkbox only where they mean something."""
        _, derivative, parameter, default = activations.ACTIVATIONS[self.function.value]
        self.alpha.disabled = parameter is None
        if parameter is not None:
            low, high = ALPHA_RANGES[self.function.value]
            # Set min and max together, so that min > max is never seen in between.
            with self.alpha.hold_trait_notifications():
                self.alpha.min, self.alpha.max = low, high
            self.alpha.description = parameter
            self.alpha.value = default
        self.show_derivative.disabled = derivative is None

    def _on_function_change(self, change):
        # Resetting alpha to the new function's default must not redraw a second time.
        self._changing_function = True
        try:
            self._match_controls_to_function()
        finally:
            self._changing_function = False
        self.update()

    def _on_control_change(self, change):
        if not self._changing_function:
            self.update()

    def curves(self):
        """The x values and the plotted f(x) and f'(x) (None if hidden) for the current controls."""
        name = self.function.value
        function, derivative, parameter, _ = activations.ACTIVATIONS[name]
        keywords = {} if parameter is None else {parameter: self.alpha.value}
        low, high = self.x_range.value
        x = np.linspace(low, high, POINTS)
        y = function(x, **keywords)
        dy = None
        if derivative is not None and self.show_derivative.value:
            dy = derivative(x, **keywords)
        return x, y, dy

    def title(self):
        name = self.function.value
        parameter = activations.ACTIVATIONS[name][2]
        if parameter is None:
            return LABELS[name]
        return f"{LABELS[name]} ({parameter} = {self.alpha.value:.2f})"

    def update(self):
        """Put the current curves on the same Line2D objects, rescale, draw the PNG, show it."""
        x, y, dy = self.curves()
        self.line.set_data(x, y)
        if dy is None:
            self.derivative_line.set_data([], [])
        else:
            self.derivative_line.set_data(x, dy)
        self.derivative_line.set_visible(dy is not None)
        self.axes.set_title(self.title())
        shown = [line for line in (self.line, self.derivative_line) if line.get_visible()]
        self.axes.legend(handles=shown, loc="upper left")
        self.axes.relim(visible_only=True)
        self.axes.autoscale_view()
        self._shown = self._image_bundle()  # drawn once: the Output and the display show it
        self.output.outputs = (
            {"output_type": "display_data", "data": self._shown, "metadata": {}},
        )

    def png(self):
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()

    def _image_bundle(self):
        return {
            "image/png": base64.b64encode(self.png()).decode("ascii"),
            "text/plain": f"<Figure: {self.title()}>",
        }

    def _repr_mimebundle_(self, **kwargs):
        """Live widgets where a widget front end exists, else the current figure as an image."""
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle.update(self._shown)
        return bundle


def explore(function="sigmoid", x_range=(-5.0, 5.0), show_derivative=False):
    """Make an Explorer; leave it as the last expression of a cell to show it."""
    return Explorer(function=function, x_range=x_range, show_derivative=show_derivative)
