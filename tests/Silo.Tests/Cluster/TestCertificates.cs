using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Throwaway certificates made in the test (nothing committed): a cluster CA, certificates it signs, and a rogue CA whose
/// certificates look alike but chain elsewhere.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly List<X509Certificate2> made = [];

    /// <summary>A self-signed CA named <paramref name="name"/>.</summary>
    public X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return Keep(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1)));
    }

    /// <summary>A certificate for <paramref name="name"/> (client and server use) signed by <paramref name="authority"/>.</summary>
    public X509Certificate2 Issue(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));   // server and client authentication
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(System.Net.IPAddress.Loopback);
        sans.AddDnsName(name);
        request.CertificateExtensions.Add(sans.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return Keep(issued.CopyWithPrivateKey(key));
    }

    /// <summary>Writes <paramref name="certificate"/> (and its key, when it has one) as PEM into <paramref name="folder"/>; returns the file.</summary>
    public static string WritePem(X509Certificate2 certificate, string folder, string name)
    {
        string path = Path.Combine(folder, name);
        string pem = certificate.ExportCertificatePem();
        if (certificate.GetECDsaPrivateKey() is { } key) pem += "\n" + key.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(path, pem);
        return path;
    }

    public void Dispose()
    {
        foreach (var c in made) c.Dispose();
    }

    private X509Certificate2 Keep(X509Certificate2 certificate)
    {
        made.Add(certificate);
        return certificate;
    }
}
