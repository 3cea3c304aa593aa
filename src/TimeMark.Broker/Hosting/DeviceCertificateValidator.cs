using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// Accepts a TLS client certificate only when it chains to the configured
/// device CA (and only to it: the system's roots are not trusted for devices).
/// The certificate's subject CN then names the client (ConnectionHook).
/// </summary>
public sealed partial class DeviceCertificateValidator
{
    private readonly X509Certificate2Collection _deviceCa;
    private readonly bool _requireCertificate;
    private readonly ILogger _logger;

    public DeviceCertificateValidator(X509Certificate2Collection deviceCa, bool requireCertificate, ILogger logger)
    {
        _deviceCa = deviceCa;
        _requireCertificate = requireCertificate;
        _logger = logger;
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors errors)
    {
        if (certificate is null)
            return !_requireCertificate;

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_deviceCa);
        // Device certificates carry no revocation endpoints here; revocation is removing the device's registration.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (chain.Build(presented))
            return true;

        string status = string.Join(", ", chain.ChainStatus.Select(s => s.Status));
        LogRejected(_logger, presented.Subject, status);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused TLS client certificate {Subject}: it does not chain to the device CA ({Status})")]
    private static partial void LogRejected(ILogger logger, string subject, string status);
}
