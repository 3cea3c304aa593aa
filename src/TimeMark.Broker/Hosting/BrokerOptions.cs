using TimeMark.Attestation.Tpm;
using TimeMark.Broker.Access;
using TimeMark.Broker.Pipeline;
using TimeMark.EvidenceLog;

namespace TimeMark.Broker.Hosting;

/// <summary>What to do with a message that fails a check.</summary>
public enum MarkingPolicy
{
    /// <summary>Reject it: not forwarded, the publisher told why where MQTT lets it. The default.</summary>
    Strict,
    /// <summary>Forward it marked and logged, with <c>tm-status</c> saying what failed.</summary>
    Permissive,
}

/// <summary>
/// Every setting of <c>timemark serve</c>, bound from the root of the
/// configuration: the JSON file (timemark.json), environment variables
/// (TIMEMARK_MQTT, TIMEMARK_ACCESS__0__IDENTITY, …) and command-line flags, in
/// that order of precedence from lowest to highest. <see cref="Validate"/> names
/// the key of every bad value.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>Broker key and evidence log.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The evidence log's database: empty for the SQLite file {DataDirectory}/log.db, or a SQLite path, a PostgreSQL URL
    /// (postgresql://user:password@host:5432/database) or an Npgsql connection string (Host=…;Database=…).
    /// </summary>
    public string LogDatabase { get; set; } = "";

    /// <summary>
    /// PostgreSQL only: the schema that holds this broker's log, so several brokers can share one database; empty means
    /// <c>timemark</c>. A SQLite file holds one log.
    /// </summary>
    public string LogName { get; set; } = "";

    /// <summary>One public key per agent: {ID}.pem.</summary>
    public string DevicesDirectory { get; set; } = "devices";

    /// <summary>MQTT over TCP, HOST:PORT with an explicit address.</summary>
    public string Mqtt { get; set; } = "0.0.0.0:1883";

    /// <summary>HTTP API (build, keys, log, devices, metrics), HOST:PORT.</summary>
    public string Http { get; set; } = "0.0.0.0:8080";

    /// <summary>MQTT over TLS with device certificates; off unless Tls:Endpoint is set.</summary>
    public TlsOptions Tls { get; init; } = new();

    public MarkingPolicy Policy { get; set; } = MarkingPolicy.Strict;

    /// <summary>
    /// When a datagram's device signature is checked: Full (before marking, the default) or Deferred (after
    /// forwarding, off the per-message path; docs/broker.md says what that gives up).
    /// </summary>
    public DeviceVerification DeviceVerification { get; set; } = DeviceVerification.Full;

    /// <summary>What to do once the evidence log has failed: stop for the supervisor to restart (the default), or keep refusing.</summary>
    public LogFailureAction OnLogFailure { get; set; } = LogFailureAction.Stop;

    /// <summary>TPM remote attestation; off unless Attestation:Tpm is set.</summary>
    public AttestationOptions Attestation { get; init; } = new();

    /// <summary>
    /// Messages queued for one subscriber before the oldest is dropped. MQTTnet's default of 1000
    /// drops messages under ordinary bursts; a notary must not lose what it marked.
    /// </summary>
    public int MaxPendingMessagesPerClient { get; set; } = 250_000;

    /// <summary>The checkpoint origin line; empty means "timemark/{broker key ID}".</summary>
    public string LogOrigin { get; set; } = "";

    /// <summary>How often a checkpoint is signed while entries arrive.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What clients other than agents may publish and subscribe to.</summary>
    public IList<AccessRule> Access { get; init; } = [];

    /// <summary>Every problem, each naming its configuration key; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
            problems.Add($"{nameof(DataDirectory)} must name a folder");
        if (string.IsNullOrWhiteSpace(DevicesDirectory))
            problems.Add($"{nameof(DevicesDirectory)} must name a folder");
        if (!Endpoint.TryParse(Mqtt, out _))
            problems.Add($"{nameof(Mqtt)} is \"{Mqtt}\"; expected HOST:PORT with an IP address, e.g. 0.0.0.0:1883");
        if (!Endpoint.TryParse(Http, out _))
            problems.Add($"{nameof(Http)} is \"{Http}\"; expected HOST:PORT with an IP address, e.g. 0.0.0.0:8080");
        if (Tls.IsEnabled)
        {
            if (!Endpoint.TryParse(Tls.Endpoint, out _))
                problems.Add($"Tls:Endpoint is \"{Tls.Endpoint}\"; expected HOST:PORT with an IP address, e.g. 0.0.0.0:8883");
            foreach (var (key, file) in new[] { ("CertificateFile", Tls.CertificateFile), ("KeyFile", Tls.KeyFile), ("DeviceCaFile", Tls.DeviceCaFile) })
            {
                if (string.IsNullOrWhiteSpace(file))
                    problems.Add($"Tls:{key} must name a PEM file when Tls:Endpoint is set");
            }
        }
        if (Attestation.IsEnabled && !TpmTarget.TryParse(Attestation.Tpm, out _, out string tpmError))
            problems.Add($"Attestation:Tpm is \"{Attestation.Tpm}\": {tpmError}");
        if (Attestation.Pcr is < 0 or > 23)
            problems.Add($"Attestation:Pcr must be a PCR from 0 to 23, not {Attestation.Pcr}");
        if (!Enum.IsDefined(Policy))
            problems.Add($"{nameof(Policy)} must be Strict or Permissive");
        if (!Enum.IsDefined(DeviceVerification))
            problems.Add($"{nameof(DeviceVerification)} must be Full or Deferred");
        if (LogName.Length > 0 && !LogStore.IsPostgres(LogDatabase))
            problems.Add($"{nameof(LogName)} is for a PostgreSQL {nameof(LogDatabase)}; a SQLite file holds one log");
        else if (LogName.Length > 0 && !PostgresLogStore.IsValidLogName(LogName))
            problems.Add($"{nameof(LogName)} is \"{LogName}\"; it {PostgresLogStore.LogNameRule}");
        if (MaxPendingMessagesPerClient < 1)
            problems.Add($"{nameof(MaxPendingMessagesPerClient)} must be at least 1");
        if (CheckpointInterval <= TimeSpan.Zero)
            problems.Add($"{nameof(CheckpointInterval)} must be positive");
        for (int i = 0; i < Access.Count; i++)
        {
            AccessRule rule = Access[i];
            if (string.IsNullOrWhiteSpace(rule.Identity))
                problems.Add($"{nameof(Access)}:{i}:{nameof(AccessRule.Identity)} must name a client");
            foreach (string filter in rule.Publish.Concat(rule.Subscribe))
            {
                if (!TopicFilter.IsValid(filter))
                    problems.Add($"{nameof(Access)}:{i}: \"{filter}\" is not a valid MQTT topic filter");
            }
        }
        return problems;
    }
}
