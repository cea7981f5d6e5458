using Amber.Grains.Security;
using Orleans.Connections.Security;

namespace Amber.Worker.Hosting;

/// <summary>
/// Mutual TLS between a worker and the silos' gateways: the worker presents its certificate (the gateway refuses one
/// the cluster's CA did not sign) and accepts only a gateway whose certificate chains to the same CA.
/// </summary>
public static class WorkerTls
{
    /// <summary>Requires <paramref name="certificates"/>' CA on <paramref name="client"/>'s gateway connections.</summary>
    public static IClientBuilder UseAmberMutualTls(this IClientBuilder client, ClusterCertificates certificates) =>
        client.UseTls(o =>
        {
            o.LocalCertificate = certificates.Certificate;
            o.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            o.RemoteCertificateValidation = (certificate, _, _) => certificates.IsSignedByAuthority(certificate);
        });
}
