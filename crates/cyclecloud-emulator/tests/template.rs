//! `POST /cloud/api/import_cluster/{name}`: clusters created from CycleCloud cluster templates.

mod common;

use common::*;
use serde_json::json;

/// The template of the autoscale demo script (`demo.py`).
const SIMPLE: &str = "\
[cluster simple]
Autoscale = true

    [[node defaults]]
    Credentials = $Credentials
    SubnetId = $SubnetId
    Region = $Region

    [[nodearray execute]]
    MachineType = $AzccMachineTypes
    Interruptible = false
";

/// A form-encoded body from field pairs.
fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn import_form(c: &Client, name: &str, fields: &[(&str, &str)]) -> Resp {
    c.post_raw(
        &format!("/cloud/api/import_cluster/{name}"),
        &form(fields),
        Some("application/x-www-form-urlencoded"),
    )
}

/// Imports `text` as `name` with JSON parameters; returns the raw answer.
fn import(c: &Client, name: &str, text: &str, params: &Value) -> Resp {
    let params = params.to_string();
    import_form(
        c,
        name,
        &[
            ("source", "standard"),
            ("cluster", text),
            ("parameters", &params),
            ("parameters_format", "json"),
        ],
    )
}

fn array_names(c: &Client, cluster: &str) -> Vec<String> {
    c.status(cluster, false)["nodearrays"]
        .as_array()
        .expect("nodearrays")
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn buckets(c: &Client, cluster: &str, array: &str) -> Vec<String> {
    let status = c.status(cluster, false);
    let arr = status["nodearrays"]
        .as_array()
        .expect("nodearrays")
        .iter()
        .find(|a| a["name"] == array)
        .unwrap_or_else(|| panic!("no array {array} in {status}"))
        .clone();
    arr["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| {
            b["definition"]["machineType"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Creates one node in `array` and returns its record.
fn one_node(c: &Client, cluster: &str, array: &str) -> Value {
    c.create(cluster, array, 1);
    c.nodes(cluster)
        .into_iter()
        .rev()
        .find(|n| n["Template"] == array)
        .unwrap_or_else(|| panic!("no node was created in {array}"))
}

#[test]
fn the_demo_script_template_imports_with_its_parameters() {
    let h = start();
    let params = json!({
        "Credentials": "azure",
        "AzccMachineTypes": ["Standard_F4s_v2"],
        "SubnetId": "rg/vnet/default",
        "Region": "southcentralus",
    });
    let params = params.to_string();
    let r = import_form(
        &h.c,
        "apiTest",
        &[
            ("source", "standard"),
            ("cluster", SIMPLE),
            ("force", "true"),
            ("template", "simple"),
            ("as_template", "false"),
            ("parameters", &params),
            ("parameters_format", "json"),
        ],
    )
    .expect(200);
    assert_eq!(r["cluster"], "apiTest");
    assert_eq!(r["nodearrays"], json!(["execute"]));
    assert_eq!(r["nodes"], json!([]));
    assert_eq!(array_names(&h.c, "apiTest"), ["execute"]);
    assert_eq!(buckets(&h.c, "apiTest", "execute"), ["Standard_F4s_v2"]);
    // Imported clusters are off until started.
    let status = h.c.status("apiTest", false);
    assert!(status.get("state").is_none(), "{status}");
    let listed = h.c.get("/cloud/api/clusters/apiTest").expect(200);
    assert_eq!(listed[0]["ClusterName"], "apiTest");

    let node = one_node(&h.c, "apiTest", "execute");
    assert_eq!(node["MachineType"], "Standard_F4s_v2");
    assert_eq!(node["Region"], "southcentralus");
    assert_eq!(node["SubnetId"], "rg/vnet/default");
    assert_eq!(node["Credentials"], "azure");
    assert_eq!(node["Interruptible"], false);
}

#[test]
fn a_json_body_works_too_and_the_cluster_takes_the_path_name() {
    let h = start();
    let body = json!({
        "cluster": SIMPLE,
        "parameters": {"AzccMachineTypes": "Standard_F2s_v2, Standard_F4s_v2"},
    });
    let r =
        h.c.post("/cloud/api/import_cluster/other%20name", &body)
            .expect(200);
    assert_eq!(r["cluster"], "other name");
    assert_eq!(r["template"], "simple");
    assert_eq!(
        buckets(&h.c, "other%20name", "execute"),
        ["Standard_F2s_v2", "Standard_F4s_v2"]
    );
    h.c.get("/clusters/simple/status").expect_error(404);
}

#[test]
fn an_existing_name_needs_force_and_force_replaces_the_cluster() {
    let h = start();
    let params = json!({"AzccMachineTypes": ["Standard_F2s_v2"]});
    import(&h.c, "apiTest", SIMPLE, &params).expect(200);
    h.c.create("apiTest", "execute", 1);

    let m = import(&h.c, "apiTest", SIMPLE, &params).expect_error(409);
    assert!(m.contains("apiTest") && m.contains("force"), "{m}");
    // The built-in demo cluster is protected the same way.
    import(&h.c, "demo", SIMPLE, &params).expect_error(409);
    assert_eq!(array_names(&h.c, "demo"), ["htc", "hpc", "spot", "gpu"]);

    let replacement = "[cluster simple]\n[[nodearray execute]]\nMachineType = Standard_F8s_v2\n\
                       [[nodearray extra]]\nMachineType = Standard_D4s_v3\n";
    let body = form(&[("cluster", replacement), ("force", "true")]);
    let r =
        h.c.post_raw("/cloud/api/import_cluster/apiTest", &body, None)
            .expect(200);
    assert_eq!(r["replaced"], true);
    assert_eq!(array_names(&h.c, "apiTest"), ["execute", "extra"]);
    // The node of an array that still exists survives the re-import (and keeps a bucket of
    // its own machine type while it runs).
    assert_eq!(h.c.names("apiTest"), ["execute-1"]);
    assert_eq!(
        buckets(&h.c, "apiTest", "execute"),
        ["Standard_F8s_v2", "Standard_F2s_v2"]
    );

    // force=false is the same as no force.
    let body = form(&[("cluster", replacement), ("force", "false")]);
    h.c.post_raw("/cloud/api/import_cluster/apiTest", &body, None)
        .expect_error(409);
    let body = form(&[("cluster", replacement), ("force", "maybe")]);
    let m =
        h.c.post_raw("/cloud/api/import_cluster/apiTest", &body, None)
            .expect_error(400);
    assert!(m.contains("force"), "{m}");
}

#[test]
fn the_template_field_picks_one_of_several_cluster_sections() {
    let h = start();
    let text = "\
[cluster small]
    [[nodearray a]]
    MachineType = Standard_F2s_v2

[cluster big]
MaxCount = 40
MaxCoreCount = 640
    [[nodearray b]]
    MachineType = Standard_F16s_v2
    MaxCount = 10
";
    let m = import(&h.c, "x", text, &json!({})).expect_error(400);
    assert!(
        m.contains("small") && m.contains("big") && m.contains("template"),
        "{m}"
    );
    let r = import_form(&h.c, "x", &[("cluster", text), ("template", "big")]).expect(200);
    assert_eq!(r["template"], "big");
    assert_eq!(array_names(&h.c, "x"), ["b"]);
    let status = h.c.status("x", false);
    assert_eq!(status["maxCount"], 40);
    assert_eq!(status["maxCoreCount"], 640);
    assert_eq!(status["nodearrays"][0]["maxCount"], 10);

    let m = import_form(&h.c, "y", &[("cluster", text), ("template", "huge")]).expect_error(400);
    assert!(m.contains("huge") && m.contains("small, big"), "{m}");
}

#[test]
fn node_defaults_are_inherited_and_overridden() {
    let h = start();
    let text = "\
[cluster c]
    [[node defaults]]
    MachineType = Standard_D4s_v3
    Region = westus2
    ImageName = cycle.image.ubuntu22
    ShutdownPolicy = deallocate
    KeepAlive = false

        [[[configuration]]]
        shared.setting = from-defaults
        slurm.role = none

    [[node login]]
    ImageName = almalinux8

    [[nodearray htc]]
    MachineType = Standard_F2s_v2, Standard_F4s_v2
    Region = eastus
    ShutdownPolicy = Terminate

        [[[configuration]]]
        slurm.role = execute
";
    let r = import(&h.c, "c", text, &json!({})).expect(200);
    assert_eq!(r["nodes"], json!(["login"]));
    assert_eq!(r["nodearrays"], json!(["htc"]));
    assert_eq!(
        buckets(&h.c, "c", "htc"),
        ["Standard_F2s_v2", "Standard_F4s_v2"]
    );

    let login = h.c.node("c", "login").expect("login node");
    assert_eq!(login["Status"], "Off");
    assert_eq!(login["MachineType"], "Standard_D4s_v3");
    assert_eq!(login["Region"], "westus2");
    assert_eq!(login["ImageName"], "almalinux8");
    assert_eq!(login["ShutdownPolicy"], "Deallocate");
    assert_eq!(
        login["Configuration"],
        json!({"shared": {"setting": "from-defaults"}, "slurm": {"role": "none"}})
    );

    let node = one_node(&h.c, "c", "htc");
    assert_eq!(node["Region"], "eastus");
    assert_eq!(node["ImageName"], "cycle.image.ubuntu22");
    assert_eq!(node["ShutdownPolicy"], "Terminate");
    assert_eq!(node["Configuration"]["slurm"]["role"], "execute");
    assert_eq!(node["Configuration"]["shared"]["setting"], "from-defaults");
    // `defaults` itself is no node.
    assert!(h.c.node("c", "defaults").is_none());
}

#[test]
fn configuration_sections_nest_into_the_node_records() {
    let h = start();
    let text = "\
[cluster c]
    [[nodearray hpc]]
    MachineType = Standard_HB120rs_v2
    Azure.MaxScalesetSize = 100

        [[[configuration]]]
        slurm.partition = hpc
        slurm.hpc = true
        slurm.default_partition = True
        autoscale.enabled = true
        cyclecloud.hosts.standalone_dns.enabled = false

        [[[cluster-init cyclecloud/slurm:execute:4.0.0]]]
        Optional = true

        [[[configuration cyclecloud.mounts.shared]]]
        type = nfs
        mountpoint = /shared
        options = hard, proto=tcp   # a trailing comment
        order = 10

        [[[volume scratch]]]
        Size = 1024
";
    import(&h.c, "c", text, &json!({})).expect(200);
    let node = one_node(&h.c, "c", "hpc");
    assert_eq!(
        node["Configuration"],
        json!({
            "slurm": {"partition": "hpc", "hpc": true, "default_partition": true},
            "autoscale": {"enabled": true},
            "cyclecloud": {
                "hosts": {"standalone_dns": {"enabled": false}},
                "mounts": {"shared": {
                    "type": "nfs", "mountpoint": "/shared",
                    "options": ["hard", "proto=tcp"], "order": 10,
                }},
            },
        })
    );
    // Without standalone DNS the hostname is the node name.
    assert_eq!(node["Hostname"], "hpc-1");
    assert_eq!(node["Azure"]["MaxScalesetSize"], 100);
    assert!(
        node.get("Size").is_none(),
        "volume attributes are ignored: {node}"
    );
}

#[test]
fn parameters_fall_back_to_their_default_value() {
    let h = start();
    let text = "\
[cluster c]
    [[nodearray a]]
    MachineType = $Machine
    MaxCount = $Max
    ImageName = $Image
    Identity = $Identity
    Comment = ${Image}-for-${ClusterName}

[parameters Main]
    [[parameters Machines]]
        [[[parameter Machine]]]
        Label = VM type
        ParameterType = Cloud.MachineType
        DefaultValue = Standard_F2s_v2

        [[[parameter Max]]]
        DefaultValue = 7
        Config.IntegerOnly = true

        [[[parameter Image]]]
        DefaultValue = \"almalinux8\"

        [[[parameter Identity]]]
        DefaultValue = =undefined
";
    import(&h.c, "defaults", text, &json!({})).expect(200);
    assert_eq!(buckets(&h.c, "defaults", "a"), ["Standard_F2s_v2"]);
    assert_eq!(
        h.c.status("defaults", false)["nodearrays"][0]["maxCount"],
        7
    );
    let node = one_node(&h.c, "defaults", "a");
    assert_eq!(node["ImageName"], "almalinux8");
    assert_eq!(node["Comment"], "almalinux8-for-defaults");
    assert!(node.get("Identity").is_none(), "{node}");

    let given =
        json!({"Machine": "Standard_F4s_v2", "Max": 3, "Image": "ubuntu22", "Identity": "/id"});
    import(&h.c, "given", text, &given).expect(200);
    assert_eq!(buckets(&h.c, "given", "a"), ["Standard_F4s_v2"]);
    assert_eq!(h.c.status("given", false)["nodearrays"][0]["maxCount"], 3);
    let node = one_node(&h.c, "given", "a");
    assert_eq!(node["ImageName"], "ubuntu22");
    assert_eq!(node["Identity"], "/id");
}

#[test]
fn a_malformed_line_is_a_400_naming_the_line() {
    let h = start();
    let text = "[cluster c]\n  [[nodearray a]]\n  # fine\n  MachineType Standard_F2s_v2\n";
    let m = import(&h.c, "c", text, &json!({})).expect_error(400);
    assert!(m.contains("line 4"), "{m}");
    assert!(m.contains("MachineType Standard_F2s_v2"), "{m}");

    for (text, line, what) in [
        ("[cluster c]\n[[nodearray a]\n", "line 2", "brackets"),
        (
            "[cluster c]\n[[[configuration]]]\nx = 1\n",
            "line 2",
            "brackets",
        ),
        ("[cluster c]\n[[nodarray a]]\n", "line 2", "nodarray"),
        ("Region = westus\n[cluster c]\n", "line 1", "Region"),
        ("[cluster c]\n[[node a]]\n[[node a]]\n", "line 3", "twice"),
        (
            "[cluster c]\n[[node a]]\nX = '''open\nnever closed\n",
            "line 3",
            "never closed",
        ),
    ] {
        let m = import(&h.c, "c", text, &json!({})).expect_error(400);
        assert!(m.contains(line) && m.contains(what), "{text:?}: {m}");
    }
    // Nothing was created by the refused imports.
    h.c.get("/clusters/c/status").expect_error(404);
}

#[test]
fn an_unknown_machine_type_is_refused_by_name() {
    let h = start();
    let text = "[cluster c]\n[[nodearray a]]\nMachineType = $Types\n";
    let m = import(
        &h.c,
        "c",
        text,
        &json!({"Types": ["Standard_F2s_v2", "Standard_Nope9"]}),
    )
    .expect_error(400);
    assert!(m.contains("Standard_Nope9") && m.contains("line 3"), "{m}");

    let m = import(
        &h.c,
        "c",
        "[cluster c]\n[[node s]]\nImageName = x\n",
        &json!({}),
    )
    .expect_error(400);
    assert!(m.contains("MachineType") && m.contains("[[node s]]"), "{m}");

    // A custom machine type loaded before is known.
    h.c.post_raw(
        "/__emulator/load",
        "[[machine_type]]\nname = \"Standard_Nope9\"\nfamily = \"nopeFamily\"\nvcpu_count = 9\nmemory_gb = 9.0\n",
        None,
    )
    .expect(200);
    import(&h.c, "c", text, &json!({"Types": ["Standard_Nope9"]})).expect(200);
    assert_eq!(buckets(&h.c, "c", "a"), ["Standard_Nope9"]);
}

#[test]
fn typed_attributes_are_checked_and_expressions_kept_raw() {
    let h = start();
    let m = import(
        &h.c,
        "c",
        "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\nMaxCount = lots\n",
        &json!({}),
    )
    .expect_error(400);
    assert!(m.contains("line 4") && m.contains("MaxCount"), "{m}");
    let m = import(
        &h.c,
        "c",
        "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\nShutdownPolicy = Explode\n",
        &json!({}),
    )
    .expect_error(400);
    assert!(m.contains("ShutdownPolicy") && m.contains("Explode"), "{m}");

    let text = "[cluster c]\n[[nodearray a]]\nMachineType = Standard_F2s_v2\n\
                MaxCount = ${Base * 2}\nZone = ${ifThenElse(HA, SchedulerZone, undefined)}\n";
    import(&h.c, "c", text, &json!({})).expect(200);
    assert_eq!(h.c.status("c", false)["nodearrays"][0]["maxCount"], 100_000);
    let node = one_node(&h.c, "c", "a");
    assert_eq!(node["Zone"], "${ifThenElse(HA, SchedulerZone, undefined)}");
}

#[test]
fn bad_requests_are_400s() {
    let h = start();
    let m = import_form(&h.c, "c", &[("source", "standard")]).expect_error(400);
    assert!(m.contains("cluster"), "{m}");
    h.c.post_empty("/cloud/api/import_cluster/c")
        .expect_error(400);
    let m =
        import_form(&h.c, "c", &[("cluster", SIMPLE), ("parameters", "{nope")]).expect_error(400);
    assert!(m.contains("parameters"), "{m}");
    let m = import_form(
        &h.c,
        "c",
        &[("cluster", SIMPLE), ("parameters_format", "yaml")],
    )
    .expect_error(400);
    assert!(m.contains("parameters_format"), "{m}");
    let m = import_form(&h.c, "c", &[("cluster", "# nothing here\n")]).expect_error(400);
    assert!(m.contains("no [cluster"), "{m}");
    h.c.post_raw("/cloud/api/import_cluster/c", "{\"cluster\": 3}", None)
        .expect_error(400);
}

/// A trimmed Slurm-style template: scheduler node, abstract base, hpc and htc arrays,
/// parameter sections with UI attributes, multi-line strings and unevaluated expressions.
const SLURM: &str = r#"
################################
## Slurm, trimmed for a test  ##
################################

[cluster Slurm]
FormLayout = selectionpanel
Category = Schedulers
Autoscale = $Autoscale

    [[node defaults]]
    UsePublicNetwork = $UsePublicNetwork
    Credentials = $Credentials
    SubnetId = $SubnetId
    Region = $Region
    KeyPairLocation = ~/.ssh/cyclecloud.pem
    Azure.Identities = $ManagedIdentity
    ShutdownPolicy = $ShutdownPolicy
    EnableTerminateNotification = ${NFSType == "lustre" || EnableTerminateNotification}
    TerminateNotificationTimeout = 10m

        [[[configuration]]]
        slurm.version = $SlurmVersion
        slurm.accounting.enabled = false
        slurm.user.uid = 11100
        cyclecloud.converge_on_boot = true

        [[[cluster-init cyclecloud/healthagent:default]]]
        [[[cluster-init cyclecloud/slurm:default:4.0.0]]]
        Optional = true

        [[[configuration cyclecloud.mounts.nfs_shared]]]
        type = $NFSType
        mountpoint = /shared
        address = $NFSAddress

    [[node scheduler]]
    MachineType = $SchedulerMachineType
    ImageName = $SchedulerImageName
    IsReturnProxy = $ReturnProxy
    KeepAlive = true
    ComputerName = ${ClusterName}-scheduler

        [[[configuration]]]
        slurm.role = scheduler

        [[[network-interface eth0]]]
        AssociatePublicIpAddress = $UsePublicNetwork

        [[[volume shared]]]
        Size = 100
        SSD = True
        Mount = builtinshared
        Persistent = True

    [[node nodearraybase]]
    Abstract = true
        [[[configuration]]]
        slurm.role = execute
        slurm.autoscale = true

    [[nodearray hpc]]
    Extends = nodearraybase
    MachineType = $HPCMachineType
    MaxCount = $MaxHPCExecuteNodeCount
    Azure.MaxScalesetSize = $HPCMaxScalesetSize

        [[[configuration]]]
        slurm.default_partition = true
        slurm.partition = hpc

    [[nodearray htc]]
    Extends = nodearraybase
    MachineType = $HTCMachineType
    MaxCount = $MaxHTCExecuteNodeCount
    Interruptible = $HTCUseLowPrio
    MaxPrice = -1
    ThrottleCapacity = true
    ThrottleCapacityTime = `10m`

        [[[configuration]]]
        slurm.partition = htc
        slurm.use_pcpu = false

[parameters About]
Order = 1

    [[parameters About Slurm]]

        [[[parameter slurm]]]
        HideLabel = true
        Config.Plugin = pico.widget.HtmlTemplateWidget
        Config.Template = '''<p>Several lines of HTML,
            with [brackets] and = signs
        </p>'''

[parameters Required Settings]
Order = 10

    [[parameters Virtual Machines]]
    Description = "Which VM sizes to use, for the scheduler and the execute nodes."

        [[[parameter Region]]]
        Label = Region
        ParameterType = Cloud.Region
        DefaultValue = westus2

        [[[parameter SchedulerMachineType]]]
        ParameterType = Cloud.MachineType
        DefaultValue = Standard_D4s_v3

        [[[parameter HPCMachineType]]]
        DefaultValue = Standard_HB120rs_v2

        [[[parameter HTCMachineType]]]
        DefaultValue = Standard_F2s_v2, Standard_F4s_v2
        Config.MultiSelect = true

    [[parameters Auto-Scaling]]
        [[[parameter Autoscale]]]
        DefaultValue = true
        Widget.Plugin = pico.form.BooleanCheckBox

        [[[parameter MaxHPCExecuteNodeCount]]]
        DefaultValue = 16
        Config.MinValue = 0

        [[[parameter MaxHTCExecuteNodeCount]]]
        DefaultValue = 100

        [[[parameter HPCMaxScalesetSize]]]
        DefaultValue = 100

        [[[parameter HTCUseLowPrio]]]
        DefaultValue = false

[parameters Advanced Settings]
    [[parameters Azure Settings ]]
        [[[parameter Credentials]]]
        ParameterType = Cloud.Credentials

        [[[parameter ManagedIdentity]]]
        DefaultValue = =undefined

        [[[parameter ShutdownPolicy]]]
        DefaultValue = Terminate
        config.plugin = pico.control.AutoCompleteDropdown
            [[[[list Config.Entries]]]]
            Name = Terminate
            [[[[list Config.Entries]]]]
            Name = Deallocate

        [[[parameter SlurmVersion]]]
        DefaultValue = 24.11.3-1
        Config.Entries := {[Value="24.05.6-1"], [Value="24.11.3-1"]}

        [[[parameter NFSType]]]
        DefaultValue = nfs
        Conditions.Hidden := UseBuiltinShared && !HA

        [[[parameter NFSAddress]]]
        Label = IP Address
        Description = The NFS server, for example 10.0.0.4

        [[[parameter SchedulerImageName]]]
        DefaultValue = almalinux8

        [[[parameter ReturnProxy]]]
        DefaultValue = false

        [[[parameter UsePublicNetwork]]]
        DefaultValue = true
"#;

#[test]
fn a_slurm_style_template_imports_and_its_scheduler_starts_with_the_cluster() {
    let h = start();
    let params =
        json!({"Credentials": "azure", "SubnetId": "rg/vnet/compute", "HTCUseLowPrio": true});
    let r = import(&h.c, "slurm-test", SLURM, &params).expect(200);
    assert_eq!(r["template"], "Slurm");
    assert_eq!(r["nodearrays"], json!(["hpc", "htc"]));
    assert_eq!(r["nodes"], json!(["scheduler"]));
    assert_eq!(array_names(&h.c, "slurm-test"), ["hpc", "htc"]);
    assert_eq!(buckets(&h.c, "slurm-test", "hpc"), ["Standard_HB120rs_v2"]);
    assert_eq!(
        buckets(&h.c, "slurm-test", "htc"),
        ["Standard_F2s_v2", "Standard_F4s_v2"]
    );

    // Off until the cluster is started; then the scheduler comes up.
    let scheduler = h.c.node("slurm-test", "scheduler").expect("scheduler");
    assert_eq!(scheduler["Status"], "Off");
    let started =
        h.c.post_empty("/cloud/actions/startcluster/slurm-test")
            .expect(200);
    assert_eq!(started["started"], json!(["scheduler"]));
    assert_eq!(h.c.status("slurm-test", false)["state"], "Started");
    let scheduler = h.c.node("slurm-test", "scheduler").expect("scheduler");
    assert_eq!(scheduler["Status"], "Ready");
    assert_eq!(scheduler["MachineType"], "Standard_D4s_v3");
    assert_eq!(scheduler["Region"], "westus2");
    assert_eq!(scheduler["SubnetId"], "rg/vnet/compute");
    assert_eq!(scheduler["KeepAlive"], true);
    assert_eq!(scheduler["ShutdownPolicy"], "Terminate");
    assert_eq!(scheduler["Credentials"], "azure");
    assert_eq!(scheduler["IsReturnProxy"], false);
    assert_eq!(scheduler["UsePublicNetwork"], true);
    assert_eq!(scheduler["ComputerName"], "slurm-test-scheduler");
    assert_eq!(scheduler["TerminateNotificationTimeout"], "10m");
    assert_eq!(
        scheduler["EnableTerminateNotification"],
        r#"${NFSType == "lustre" || EnableTerminateNotification}"#
    );
    assert!(scheduler.get("Azure.Identities").is_none(), "{scheduler}");
    assert_eq!(
        scheduler["Configuration"],
        json!({
            "slurm": {
                "version": "24.11.3-1", "role": "scheduler",
                "accounting": {"enabled": false}, "user": {"uid": 11100},
            },
            "cyclecloud": {
                "converge_on_boot": true,
                "mounts": {"nfs_shared": {"type": "nfs", "mountpoint": "/shared"}},
            },
        })
    );

    let hpc = h.c.status("slurm-test", false)["nodearrays"][0].clone();
    assert_eq!(hpc["maxCount"], 16);
    assert_eq!(hpc["nodearray"]["Azure"]["MaxScalesetSize"], 100);
    assert_eq!(
        hpc["nodearray"]["Configuration"]["slurm"]["role"],
        "execute"
    );
    assert_eq!(
        hpc["nodearray"]["Configuration"]["slurm"]["partition"],
        "hpc"
    );
    assert!(
        hpc["nodearray"].get("Abstract").is_none(),
        "Abstract is not inherited"
    );

    let htc = one_node(&h.c, "slurm-test", "htc");
    assert_eq!(htc["Interruptible"], true);
    assert_eq!(htc["MaxPrice"], -1);
    assert_eq!(
        htc["Configuration"]["slurm"],
        json!({
            "version": "24.11.3-1", "role": "execute", "autoscale": true,
            "partition": "htc", "use_pcpu": false,
            "accounting": {"enabled": false}, "user": {"uid": 11100},
        })
    );
    let htc_array = h.c.status("slurm-test", false)["nodearrays"][1].clone();
    assert_eq!(htc_array["nodearray"]["ThrottleCapacity"], true);
}

#[test]
fn imported_clusters_persist_with_the_state_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let opts = || Options {
        phase_delay: std::time::Duration::ZERO,
        state_file: Some(state.clone()),
        ..Default::default()
    };
    let h = start_with(opts());
    import(
        &h.c,
        "kept",
        SIMPLE,
        &json!({"AzccMachineTypes": ["Standard_F4s_v2"]}),
    )
    .expect(200);
    let Harness { server, .. } = h;
    server.stop();
    let h = start_with(opts());
    assert_eq!(array_names(&h.c, "kept"), ["execute"]);
}
