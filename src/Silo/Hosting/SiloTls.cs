using Amber.Grains.Security;
using Orleans.Connections.Security;

namespace Amber.Silo.Hosting;

/// <summary>
/// Mutual TLS on every Orleans link of a silo: silo-to-silo both ways and the gateway that workers connect to. Each side
/// presents its certificate and accepts the other's only if it chains to the cluster's CA
/// (<see cref="ClusterCertificates.IsSignedByAuthority"/>); a process without such a certificate cannot join.
/// </summary>
public static class SiloTls
{
    /// <summary>Requires <paramref name="certificates"/>' CA on all of <paramref name="silo"/>'s connections.</summary>
    public static ISiloBuilder UseAmberMutualTls(this ISiloBuilder silo, ClusterCertificates certificates) =>
        silo.UseTls(o =>
        {
            o.LocalCertificate = certificates.Certificate;
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (certificate, _, _) => certificates.IsSignedByAuthority(certificate);
        });
}
