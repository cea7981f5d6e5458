using System.CommandLine;
using Amber.Grains.Security;

namespace Amber.Cli.Commands;

/// <summary>
/// <c>--tls-cert</c>, <c>--tls-key</c> and <c>--tls-ca</c> of <c>amber silo</c> and <c>amber worker</c> (or AMBER_TLS_CERT,
/// AMBER_TLS_KEY, AMBER_TLS_CA, as a Kubernetes secret mounts them): mutual TLS on the cluster's Orleans links.
/// </summary>
internal sealed class TlsCommandOptions
{
    private readonly Option<string?> certificate = new("--tls-cert")
    {
        Description = "PEM certificate of this process for mutual TLS (with its key, or the key in --tls-key); also AMBER_TLS_CERT",
        DefaultValueFactory = _ => Env("AMBER_TLS_CERT"),
    };

    private readonly Option<string?> key = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert when it is a file of its own; also AMBER_TLS_KEY",
        DefaultValueFactory = _ => Env("AMBER_TLS_KEY"),
    };

    private readonly Option<string?> authority = new("--tls-ca")
    {
        Description = "PEM certificate of the cluster's CA: peers must present a certificate it signed; also AMBER_TLS_CA",
        DefaultValueFactory = _ => Env("AMBER_TLS_CA"),
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(certificate);
        command.Options.Add(key);
        command.Options.Add(authority);
    }

    /// <summary>The loaded material, or null when neither option is given.</summary>
    /// <exception cref="ArgumentException">Only one of --tls-cert and --tls-ca is given, or a file is unusable.</exception>
    public ClusterCertificates? Load(ParseResult parse)
    {
        string? cert = parse.GetValue(certificate), ca = parse.GetValue(authority);
        if (cert is null && ca is null)
        {
            if (parse.GetValue(key) is not null) throw new ArgumentException("--tls-key needs --tls-cert and --tls-ca");
            return null;
        }
        if (cert is null || ca is null) throw new ArgumentException("mutual TLS needs both --tls-cert and --tls-ca");
        return ClusterCertificates.Load(cert, parse.GetValue(key), ca);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
