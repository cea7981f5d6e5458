using System.Diagnostics;
using Amber.Grains.Security;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// k8s/dev-tls.sh makes the amber-tls Secret of the dev overlay with openssl: its files load with the loader silos and
/// workers use (the PEM files as the Secret mounts them) and the certificate chains to the CA it ships.
/// </summary>
public sealed class DevTlsScriptTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("amber-dev-tls-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    [Fact]
    public void The_dev_secret_holds_a_certificate_its_CA_signed_that_the_cluster_loader_accepts()
    {
        var first = Make("first");
        Assert.True(first.Certificate.HasPrivateKey);
        Assert.True(first.IsSignedByAuthority(first.Certificate));
        // Every run makes a new CA: another run's certificate is not accepted.
        var second = Make("second");
        Assert.False(first.IsSignedByAuthority(second.Certificate));
    }

    // Runs the script and writes the Secret's data as the volume mount does: one file per key.
    private ClusterCertificates Make(string name)
    {
        var psi = new ProcessStartInfo(Path.Combine(FindRoot(), "k8s", "dev-tls.sh")) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("amber-test");
        using var p = Process.Start(psi)!;
        string yaml = p.StandardOutput.ReadToEnd();
        string errors = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000) && p.ExitCode == 0, errors);
        string dir = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        foreach (string key in new[] { "tls.crt", "tls.key", "ca.crt" })
        {
            string line = yaml.Split('\n').Single(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
            File.WriteAllBytes(Path.Combine(dir, key), Convert.FromBase64String(line[(line.IndexOf(':') + 1)..].Trim()));
        }
        return ClusterCertificates.Load(Path.Combine(dir, "tls.crt"), Path.Combine(dir, "tls.key"), Path.Combine(dir, "ca.crt"));
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "k8s", "dev-tls.sh"))) return dir.FullName;
        throw new InvalidOperationException("k8s/dev-tls.sh not found above the test's folder");
    }
}
