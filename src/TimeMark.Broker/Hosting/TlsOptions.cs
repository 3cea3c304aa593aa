namespace TimeMark.Broker.Hosting;

/// <summary>MQTT over TLS, with client certificates from the device CA (design.md, "Trust decisions").</summary>
public sealed class TlsOptions
{
    /// <summary>HOST:PORT of the TLS listener; empty turns TLS off.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The broker's certificate (PEM).</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>The broker's certificate private key (PEM, PKCS#8 or SEC1).</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The device CA (PEM, one or more certificates): client certificates must chain to it.</summary>
    public string DeviceCaFile { get; set; } = "";

    /// <summary>Refuse TLS clients without a certificate. When false, such clients are named as over plain TCP.</summary>
    public bool RequireClientCertificate { get; set; } = true;

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEnabled => Endpoint.Length > 0;
}
