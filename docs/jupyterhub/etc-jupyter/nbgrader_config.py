"""nbgrader settings for everyone on the course's JupyterHub: /etc/jupyter/nbgrader_config.py.

Students, instructors and the formgrader service all read it (the formgrader also reads
the course folder's own nbgrader_config.py, which wins where both set something).
"""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "activation-functions"  # = the formgrader service's name
# the shared exchange (jupyterhub_config.py gives every server NBGRADER_EXCHANGE)
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
# which courses a person sees comes from their hub groups nbgrader-<course> and
# formgrade-<course>. Fetched assignments go to ~/<assignment>/, as the student README
# says; with several courses on one hub, also set c.Exchange.path_includes_course = True
# (then ~/<course>/<assignment>/).
c.Authenticator.plugin_class = JupyterHubAuthPlugin
