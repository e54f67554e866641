"""The REST API of CycleCloud, one module per area, one function per endpoint.

* :mod:`cyclecloud.api.clusters`: cluster status, nodes, node actions, scaling, usage and
  Guest Health Reports;
* :mod:`cyclecloud.api.operations`: the status of operations started by those calls.

Every function takes a :class:`cyclecloud.session.Session` first and returns
``(ResponseStatus, value)``, where ``value`` is a model instance from :mod:`cyclecloud.model`
(node records stay plain dicts). Statuses other than the documented one raise a
:class:`cyclecloud.exceptions.HTTPStatusError` subclass whose ``str()`` is the server's body.
Usage::

    from cyclecloud.api import clusters

    response_status, cluster_status = clusters.get_cluster_status(session, "demo", nodes=False)
"""

from cyclecloud.api import clusters, operations

__all__ = ["clusters", "operations"]
