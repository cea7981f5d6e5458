using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Net.Http.Json;
using System.Text;
using Amber.Silo.Api;
using Amber.Silo.Hosting;
using Npgsql;
using YamlDotNet.RepresentationModel;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// The cluster the dev overlay describes, on one machine: the silo and worker containers of
/// <c>kubectl kustomize k8s/overlays/dev</c> are started as processes with the manifests' arguments and environment
/// variables (secrets from the overlay's keys, field references filled as Kubernetes would), each process in a network
/// namespace of its own with its own address on a bridge the test creates, PostgreSQL on the bridge. Two silos and two
/// workers run a sweep to completion. Differences from a real cluster, on purpose: no API server, so
/// <c>--kubernetes</c> is left out; no Azurite, so the blob store is a shared folder; mounts are folders. Needs root
/// (CAP_NET_ADMIN) for the namespaces: without it the test fails and says so.
/// </summary>
public sealed class OneMachineClusterTests : IAsyncLifetime, IDisposable
{
    private const string UserToken = "one-machine-token-0123456789";
    private readonly string id = Guid.NewGuid().ToString("N")[..4];
    private readonly int subnet = Random.Shared.Next(0, 250);
    private readonly string folder = Directory.CreateTempSubdirectory("amber-one-machine-").FullName;
    private readonly List<string> namespaces = [];
    private readonly AmberProcesses processes;
    private readonly TestCertificates certificates = new();
    private PrivatePostgres? postgres;

    public OneMachineClusterTests() => processes = new AmberProcesses(folder);

    private string Bridge => $"ambr{id}";

    private string Address(int host) => $"10.231.{subnet}.{host}";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        processes.Dispose();
        postgres?.Dispose();
        foreach (var ns in namespaces) Ip(false, "netns", "del", ns);
        Ip(false, "link", "del", Bridge);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        certificates.Dispose();
        Directory.Delete(folder, true);
    }

    [Fact]
    public async Task The_dev_overlays_silos_and_workers_each_in_its_own_network_namespace_run_a_sweep()
    {
        Assert.True(Ip(false, "netns", "list"), "this machine does not allow network namespaces (needs root / CAP_NET_ADMIN); the one-machine cluster test cannot run here");
        Ip(true, "link", "add", Bridge, "type", "bridge");
        Ip(true, "addr", "add", Address(1) + "/24", "dev", Bridge);
        Ip(true, "link", "set", Bridge, "up");
        postgres = PrivatePostgres.Start(Address(1), $"10.231.{subnet}.0/24");

        // The overlay's secrets, with the in-cluster host names replaced by what this machine has.
        string tls = Directory.CreateDirectory(Path.Combine(folder, "tls")).FullName;
        var ca = certificates.Authority("amber-one-machine-ca");
        var member = certificates.Issue(ca, "amber");
        File.WriteAllText(Path.Combine(tls, "tls.crt"), member.ExportCertificatePem());
        File.WriteAllText(Path.Combine(tls, "tls.key"), member.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(tls, "ca.crt"), ca.ExportCertificatePem());
        var secrets = new Dictionary<string, string>
        {
            ["cluster"] = "postgres:" + postgres.ConnectionString("unused"),
            ["blobs"] = $"file:{folder}/blobs",
            ["user-tokens"] = UserToken,
        };
        var mounts = new Dictionary<string, string> { ["/tls/"] = tls + "/", ["/data"] = Directory.CreateDirectory(Path.Combine(folder, "data")).FullName };

        var manifests = Render();
        var silo = Container(manifests, "amber-silo");
        var worker = Container(manifests, "amber-worker");
        for (int i = 0; i < 2; i++) Launch($"silo-{i}", 10 + i, silo, secrets, mounts);
        for (int i = 0; i < 2; i++) await processes.WaitAsync(async () => (await Api(10 + i).GetAsync("health")).IsSuccessStatusCode, TimeSpan.FromSeconds(120), $"silo-{i}'s /health");
        for (int i = 0; i < 2; i++) Launch($"worker-{i}", 20 + i, worker, secrets, mounts, "--executor", "noop", "--noop-epoch-ms", "300");

        using var api = Api(10);
        await processes.WaitAsync(async () => (await api.GetFromJsonAsync<WorkerView[]>("api/workers", AmberSilo.Json))!.Count(w => w.Status == "alive") == 2,
            TimeSpan.FromSeconds(120), "two live workers");
        var created = await api.PostAsync("api/sweeps", new StringContent("name: one-machine\nmethods: [ce, amber2]\nprotocol: {folds: 2, seeds: [1]}\n", Encoding.UTF8, "application/yaml"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var sweep = (await created.Content.ReadFromJsonAsync<SweepView>(AmberSilo.Json))!;
        SweepView? done = null;
        await processes.WaitAsync(async () => (done = await api.GetFromJsonAsync<SweepView>($"api/sweeps/{sweep.Id}", AmberSilo.Json))!.Completed,
            TimeSpan.FromSeconds(180), "the sweep to complete");
        Assert.Equal(("succeeded", 4), (done!.Status, done.Succeeded));

        // The silos joined the membership under their own namespace addresses, as pods under their pod IPs.
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("unused"));
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT address FROM orleans_membership WHERE status = 3 ORDER BY address", connection);
        var addresses = new List<string>();
        await using (var reader = await query.ExecuteReaderAsync())
            while (await reader.ReadAsync()) addresses.Add(reader.GetString(0));
        Assert.Equal([Address(10), Address(11)], addresses);
    }

    private HttpClient Api(int host)
    {
        var api = new HttpClient { BaseAddress = new Uri($"http://{Address(host)}:5080/"), Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", UserToken);
        return api;
    }

    // Starts a container's process in a new namespace with address 10.231.<subnet>.<host>.
    private void Launch(string name, int host, YamlMappingNode container, Dictionary<string, string> secrets, Dictionary<string, string> mounts, params string[] extra)
    {
        string ns = $"amb{id}-{name}", outside = $"vh{id}{host}", inside = $"vn{id}{host}";
        Ip(true, "netns", "add", ns);
        namespaces.Add(ns);
        Ip(true, "link", "add", outside, "type", "veth", "peer", "name", inside);
        Ip(true, "link", "set", inside, "netns", ns);
        Ip(true, "link", "set", outside, "master", Bridge, "up");
        Ip(true, "-n", ns, "addr", "add", Address(host) + "/24", "dev", inside);
        Ip(true, "-n", ns, "link", "set", inside, "up");
        Ip(true, "-n", ns, "link", "set", "lo", "up");

        var env = new Dictionary<string, string>();
        foreach (YamlMappingNode e in (YamlSequenceNode)container["env"])
        {
            string key = ((YamlScalarNode)e["name"]).Value!;
            if (e.Children.TryGetValue("value", out var literal)) env[key] = ((YamlScalarNode)literal).Value!;
            else
            {
                var from = (YamlMappingNode)e["valueFrom"];
                if (from.Children.TryGetValue("secretKeyRef", out var secret)) env[key] = secrets[((YamlScalarNode)((YamlMappingNode)secret)["key"]).Value!];
                else
                {
                    string path = ((YamlScalarNode)((YamlMappingNode)from["fieldRef"])["fieldPath"]).Value!;
                    env[key] = path switch { "status.podIP" => Address(host), "metadata.name" => name, "metadata.namespace" => "amber-dev", _ => throw new InvalidOperationException(path) };
                }
            }
        }
        var args = new List<string>();
        foreach (YamlScalarNode a in (YamlSequenceNode)container["args"])
        {
            string value = a.Value!;
            if (value == "--kubernetes") continue;   // no API server here
            foreach (var (k, v) in env) value = value.Replace($"$({k})", v, StringComparison.Ordinal);
            foreach (var (mount, local) in mounts) if (value.StartsWith(mount, StringComparison.Ordinal)) value = local + value[mount.Length..];
            args.Add(value);
        }
        args.AddRange(extra);
        processes.StartWith(name, ["ip", "netns", "exec", ns], env, [.. args]);
    }

    private static YamlMappingNode Container(YamlStream manifests, string deployment)
    {
        var doc = manifests.Documents.Select(d => (YamlMappingNode)d.RootNode)
            .Single(n => ((YamlScalarNode)n["kind"]).Value == "Deployment" && ((YamlScalarNode)((YamlMappingNode)n["metadata"])["name"]).Value == deployment);
        var spec = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)doc["spec"])["template"])["spec"];
        return (YamlMappingNode)((YamlSequenceNode)spec["containers"]).Children[0];
    }

    private static YamlStream Render()
    {
        string root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "k8s", "overlays"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("k8s/ not found");
        var psi = new ProcessStartInfo("kubectl", ["kustomize", Path.Combine(root, "k8s", "overlays", "dev")]) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException("kubectl not found: the test renders k8s/overlays/dev with kubectl kustomize (a recent kubectl is needed)");
        }
        using var _ = p;
        string yaml = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000) && p.ExitCode == 0, "kubectl kustomize k8s/overlays/dev: " + errors);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream;
    }

    private static bool Ip(bool mustSucceed, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            string errors = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (mustSucceed && p.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {errors}");
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) when (!mustSucceed)
        {
            return false;
        }
    }
}
