namespace TimeMark.Broker.Hosting;

/// <summary>
/// Remote attestation with a TPM 2.0 (docs/attestation.md). Off unless <see cref="Tpm"/> names a TPM;
/// without one, <c>GET /attestation</c> still answers, marked self-reported.
/// </summary>
public sealed class AttestationOptions
{
    /// <summary>The TPM, tpm2-tools style: swtpm:host=H,port=P, swtpm:path=SOCKET or device:/dev/tpmrm0. Empty: no TPM.</summary>
    public string Tpm { get; set; } = "";

    /// <summary>
    /// The application PCR that <c>timemark measure</c> and the broker extend. 23 (or 16) can be reset from
    /// locality 0, so <c>measure</c> starts each launch from a clean value; see the guide for what that does not prove.
    /// </summary>
    public int Pcr { get; set; } = 23;

    /// <summary>The persistent attestation key that signs quotes (made by <c>timemark tpm provision</c>).</summary>
    public uint AkHandle { get; set; } = 0x81000010;

    /// <summary>The persistent RSA endorsement key the attestation key was made under.</summary>
    public uint EkHandle { get; set; } = 0x81010001;

    /// <summary>The NV index holding the RSA EK certificate (TCG EK credential profile); 0: do not read one.</summary>
    public uint EkCertificateIndex { get; set; } = 0x01c00002;

    /// <summary>The event log of every extend since the launch; empty: {DataDirectory}/attestation-events.log.</summary>
    public string EventLog { get; set; } = "";

    /// <summary>
    /// An IMA measurement list to serve and quote PCR 10 with, usually
    /// /sys/kernel/security/ima/ascii_runtime_measurements_sha256; empty: none.
    /// </summary>
    public string ImaLog { get; set; } = "";

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEnabled => Tpm.Length > 0;

    /// <summary>The event log's path for a broker whose data folder is <paramref name="dataDirectory"/>.</summary>
    public string EventLogPath(string dataDirectory) =>
        EventLog.Length > 0 ? EventLog : Path.Combine(dataDirectory, "attestation-events.log");
}
