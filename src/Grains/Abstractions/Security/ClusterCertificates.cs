using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Amber.Grains.Security;

/// <summary>
/// The mutual-TLS material of one cluster member (silo or worker): its own certificate with private key, and the
/// certificate authority every member's certificate must chain to. Silos and workers share this one trust rule, so a
/// process whose certificate the cluster's CA did not sign is refused on silo-to-silo and client-to-gateway links alike.
/// Files are PEM, as Kubernetes TLS secrets hold them (tls.crt, tls.key, ca.crt); their contents never appear in errors.
/// </summary>
public sealed class ClusterCertificates
{
    private ClusterCertificates(X509Certificate2 certificate, X509Certificate2 authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The cluster's certificate authority.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>From certificates already in memory (tests, or hosts that hold them elsewhere).</summary>
    /// <exception cref="ArgumentException"><paramref name="certificate"/> has no private key.</exception>
    public static ClusterCertificates Create(X509Certificate2 certificate, X509Certificate2 authority)
    {
        if (!certificate.HasPrivateKey) throw new ArgumentException($"the certificate {certificate.Subject} has no private key", nameof(certificate));
        return new ClusterCertificates(certificate, authority);
    }

    /// <summary>
    /// Loads PEM files: <paramref name="certificatePath"/> (the certificate; also the key when <paramref name="keyPath"/>
    /// is null) and <paramref name="authorityPath"/> (the CA certificate).
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing or not what is expected; the message names the option and the file.</exception>
    public static ClusterCertificates Load(string certificatePath, string? keyPath, string authorityPath)
    {
        X509Certificate2 certificate = Read("--tls-cert", certificatePath, () => X509Certificate2.CreateFromPemFile(certificatePath, keyPath ?? certificatePath),
            "a PEM certificate followed by its PEM private key (or the key in --tls-key)");
        if (!certificate.HasPrivateKey) throw new ArgumentException($"--tls-cert {certificatePath}: no private key found; expected it in the file or in --tls-key");
        X509Certificate2 authority = Read("--tls-ca", authorityPath, () => X509CertificateLoader.LoadCertificateFromFile(authorityPath), "a PEM CA certificate");
        return new ClusterCertificates(certificate, authority);
    }

    /// <summary>
    /// Whether <paramref name="remote"/> chains to <see cref="Authority"/> alone (the machine's trust store plays no part)
    /// and is valid now. Host names are not checked: silos and workers meet at pod IPs, and the CA is the cluster's own.
    /// </summary>
    public bool IsSignedByAuthority(X509Certificate2 remote)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        return chain.Build(remote);
    }

    private static X509Certificate2 Read(string option, string path, Func<X509Certificate2> load, string expected)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{option} {path}: no such file; expected {expected}");
        try
        {
            return load();
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or FileNotFoundException)
        {
            throw new ArgumentException($"{option} {path}: not readable as {expected} ({ex.GetType().Name})");
        }
    }
}
