using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;
using TimeMark.Attestation;
using TimeMark.Broker.Access;
using TimeMark.Broker.Attestation;
using TimeMark.Broker.Clock;
using TimeMark.Broker.Devices;
using TimeMark.Broker.Hooks;
using TimeMark.Broker.Metrics;
using TimeMark.Broker.Pipeline;
using TimeMark.Broker.Transport;
using TimeMark.EvidenceLog;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// Owns the broker's parts and their order: keys and evidence log first, then
/// the MQTT listener; on shutdown the listener stops accepting and disconnects
/// clients first, then the log commits what was filled and signs a final checkpoint.
/// </summary>
public sealed partial class BrokerService : IHostedService, IAsyncDisposable
{
    public const string LogFileName = "log.db";

    private readonly BrokerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<BrokerService> _logger;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime? _lifetime;

    // Set once by StartAsync; read by the HTTP endpoints after start.
    private BrokerKeys? _keys;
    private LogAppender? _log;
    private MqttServer? _mqtt;
    private DeviceRegistry? _devices;
    private BuildMeasurement? _build;
    private AttestationService? _attestation;
    private DeferredVerifier? _deferred;
    private RejectionJournal? _rejectionJournal;

    /// <param name="options">The settings.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Where the parts log.</param>
    /// <param name="lifetime">The host to stop when the evidence log fails (<see cref="LogFailureAction.Stop"/>); null to keep running.</param>
    public BrokerService(BrokerOptions options, TimeProvider time, ILoggerFactory loggers, IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<BrokerService>();
        Activity = new DeviceActivityTable();
        Clock = new IngestionClock(time, loggers.CreateLogger<IngestionClock>());
        Rejections = new RejectionRecorder(time, loggers.CreateLogger<RejectionRecorder>());
    }

    public DeviceActivityTable Activity { get; }

    public BrokerMetrics Metrics { get; } = new();

    public IngestionClock Clock { get; }

    public RejectionRecorder Rejections { get; }

    public BrokerKeys Keys => _keys ?? throw NotStarted();

    public LogAppender Log => _log ?? throw NotStarted();

    /// <summary>The storage failure that stopped the evidence log while serving (<see cref="LogAppender.Failure"/>); null while it works or before start.</summary>
    public Exception? LogFailure => _log?.Failure;

    /// <summary>The broker's own published files, measured at start against the build manifest beside them.</summary>
    public BuildMeasurement Build => _build ?? throw NotStarted();

    /// <summary>Remote attestation: the time-mark key measured into the TPM, reports, credential activation.</summary>
    public AttestationService Attestation => _attestation ?? throw NotStarted();

    /// <summary>The latest signed checkpoint, parsed.</summary>
    public Checkpoint LatestCheckpoint() =>
        Checkpoint.TryParse(Log.LatestCheckpoint.Text, out Checkpoint? checkpoint, out _)
            ? checkpoint
            : throw new InvalidOperationException("the log signed a checkpoint that does not parse");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // AppContext.BaseDirectory is the folder of timemark.dll, not of the dotnet host that runs it.
        _build = BuildMeasurement.Measure(AppContext.BaseDirectory, SourceCommit());
        if (_build.IsVerified)
            LogBuildVerified(_logger, _build.BinaryHash!, _build.Manifest!.SourceCommit, _build.Manifest.BuildDate);
        else
            LogBuildNotVerified(_logger, _build.Status, _build.Detail);

        _keys = BrokerKeys.LoadOrCreate(_options.DataDirectory, _options.LogOrigin, _logger);
        _rejectionJournal = RejectionJournal.Open(_options.DataDirectory, RejectionRecorder.Capacity, _loggers.CreateLogger<RejectionJournal>(),
            out IReadOnlyList<Rejection> savedRejections);
        Rejections.KeepIn(_rejectionJournal, savedRejections);
        _attestation = new AttestationService(_options.Attestation, _options.DataDirectory, EffectiveConfiguration.Of(_options), _keys.TimeMark, _build,
            _time, _loggers.CreateLogger<AttestationService>());
        await _attestation.StartAsync(cancellationToken).ConfigureAwait(false);
        _log = await LogAppender.StartAsync(new LogAppenderOptions
        {
            Database = string.IsNullOrWhiteSpace(_options.LogDatabase) ? Path.Combine(_options.DataDirectory, LogFileName) : _options.LogDatabase,
            LogName = _options.LogName.Length > 0 ? _options.LogName : null,
            Origin = _keys.LogSigner.Name,
            CheckpointInterval = _options.CheckpointInterval,
            TimeProvider = _time,
        }, _keys.LogSigner, cancellationToken).ConfigureAwait(false);

        int restored = await ReplayWindowSeed.SeedAsync(_log.Store, Activity, cancellationToken).ConfigureAwait(false);
        LogReplayWindowSeeded(_logger, restored);

        _devices = new DeviceRegistry(_options.DevicesDirectory, _loggers.CreateLogger<DeviceRegistry>());
        var access = new AccessPolicy(_options.Access);
        _deferred = _options.DeviceVerification == DeviceVerification.Deferred
            ? new DeferredVerifier(Rejections, Metrics, _loggers.CreateLogger<DeferredVerifier>()) : null;
        var marker = new TimeMarker(access, _devices, Activity, Clock, _log, _keys.TimeMark, _options.Policy, Rejections, Metrics,
            _time, _loggers.CreateLogger<TimeMarker>(), _deferred);

        Endpoint mqtt = Endpoint.Parse(_options.Mqtt);
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(mqtt.Port)
            .WithMaxPendingMessagesPerClient(_options.MaxPendingMessagesPerClient)
            // A PUBLISH leaves as one write (one send, one TLS record), not its header and then its payload.
            .WithoutPacketFragmentation()
            .Build();
        Bind(serverOptions.DefaultEndpointOptions, mqtt.Address);
        if (_options.Tls.IsEnabled)
            ConfigureTls(serverOptions);

        // Plain TCP goes through our listener for its 1 MiB socket buffers (TcpServerAdapter); MQTTnet's serves TLS.
        serverOptions.DefaultEndpointOptions.IsEnabled = false;
        var factory = new MqttServerFactory();
        _mqtt = factory.CreateMqttServer(serverOptions,
            [new TcpServerAdapter(new IPEndPoint(mqtt.Address, mqtt.Port), OpenFileLimit.ConnectionCapacity(), _loggers.CreateLogger<TcpServerAdapter>()), new MQTTnet.Server.Internal.Adapter.MqttTcpServerAdapter()], factory.DefaultLogger);
        var connections = new ConnectionHook(_devices, access, [.. _options.Access], _loggers.CreateLogger<ConnectionHook>());
        var publishes = new PublishHook(marker, _mqtt, _loggers.CreateLogger<PublishHook>());
        var subscriptions = new SubscriptionHook(access, _loggers.CreateLogger<SubscriptionHook>());
        var reconnects = new ReconnectGate(_loggers.CreateLogger<ReconnectGate>());
        _mqtt.ValidatingConnectionAsync += args => reconnects.WaitForEarlierConnectionAsync(args.ClientId);
        _mqtt.ValidatingConnectionAsync += connections.ValidateAsync;
        _mqtt.ClientConnectedAsync += reconnects.ConnectedAsync;
        _mqtt.ClientDisconnectedAsync += reconnects.DisconnectedAsync;
        _mqtt.InterceptingPublishAsync += publishes.InterceptAsync;
        _mqtt.InterceptingOutboundPacketAsync += PublishHook.InterceptOutboundAsync;
        _mqtt.InterceptingSubscriptionAsync += subscriptions.InterceptAsync;
        await _mqtt.StartAsync().ConfigureAwait(false);

        string logVerifierKey = _keys.LogSigner.Verifier.Format();
        LogStarted(_logger, mqtt, _log.TreeSize, _keys.TimeMark.PublicKey.Id, logVerifierKey);
        if (_options.OnLogFailure == LogFailureAction.Stop && _lifetime is not null)
            _ = StopWhenTheLogFailsAsync(_log, _lifetime);
    }

    /// <summary>
    /// <see cref="LogFailureAction.Stop"/>: once the log has failed, asks the host to stop, so that the supervisor starts the
    /// broker again and the new start reopens the log; <c>serve</c> exits 1 naming the cause. Until the stop, messages are refused.
    /// </summary>
    private async Task StopWhenTheLogFailsAsync(LogAppender log, IHostApplicationLifetime lifetime)
    {
        try
        {
            await log.Stopped.ConfigureAwait(false);
        }
        catch (Exception) when (log.Failure is { } failure)
        {
            LogStoppingAfterLogFailure(_logger, failure.Message);
            lifetime.StopApplication();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_mqtt is not null)
            await _mqtt.StopAsync().ConfigureAwait(false);
        if (_deferred is not null)
        {
            // The queued checks of forwarded messages are still made (at most ~6 s of one core), unless the host gives up first.
            _deferred.Complete();
            await _deferred.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_rejectionJournal is not null)
            await _rejectionJournal.DisposeAsync().ConfigureAwait(false);
        if (_log is not null)
        {
            try
            {
                await _log.StopAsync(cancellationToken).ConfigureAwait(false);
                LogStopped(_logger, _log.TreeSize);
            }
            catch (InvalidOperationException) when (_log.Failure is not null)
            {
                // Reported with every message refused since, and by /healthz; `serve` reads Log.Failure for its exit code.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _mqtt?.Dispose();
        if (_rejectionJournal is not null)
            await _rejectionJournal.DisposeAsync().ConfigureAwait(false);
        if (_log is not null)
            await _log.DisposeAsync().ConfigureAwait(false);
        _devices?.Dispose();
        _attestation?.Dispose();
        _keys?.Dispose();
    }

    private void ConfigureTls(MqttServerOptions serverOptions)
    {
        TlsOptions tls = _options.Tls;
        Endpoint endpoint = Endpoint.Parse(tls.Endpoint);
        MqttServerTlsTcpEndpointOptions listener = serverOptions.TlsEndpointOptions;
        listener.IsEnabled = true;
        listener.Port = endpoint.Port;
        Bind(listener, endpoint.Address);
        X509Certificate2 certificate = X509Certificate2.CreateFromPemFile(tls.CertificateFile, tls.KeyFile);
        listener.CertificateProvider = new X509CertificateProvider(certificate);
        var deviceCa = new X509Certificate2Collection();
        deviceCa.ImportFromPemFile(tls.DeviceCaFile);
        if (deviceCa.Count == 0)
            throw new InvalidDataException($"{tls.DeviceCaFile}: no certificate in the device CA file");
        var validator = new DeviceCertificateValidator(deviceCa, tls.RequireClientCertificate, _logger);
        listener.ClientCertificateRequired = tls.RequireClientCertificate;
        listener.RemoteCertificateValidationCallback = validator.Validate;
    }

    /// <summary>Listens on exactly one address: MQTTnet would otherwise also listen on every IPv4 or IPv6 address.</summary>
    private static void Bind(MqttServerTcpEndpointBaseOptions endpoint, IPAddress address)
    {
        bool isIPv6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        endpoint.BoundInterNetworkAddress = isIPv6 ? IPAddress.None : address;
        endpoint.BoundInterNetworkV6Address = isIPv6 ? address : IPAddress.None;
    }

    /// <summary>The commit in the informational version ("1.0.0+COMMIT") compiled into the broker, when the build was given one.</summary>
    public static string? SourceCommit()
    {
        string? version = typeof(BrokerService).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().SingleOrDefault()?.InformationalVersion;
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus < 0 ? null : version![(plus + 1)..];
    }

    private static InvalidOperationException NotStarted() => new("The broker has not started.");

    [LoggerMessage(Level = LogLevel.Information, Message = "TimeMark broker listening for MQTT on {Endpoint}; evidence log at {TreeSize} entries; time-mark key {KeyId}; log key {LogVerifierKey}")]
    private static partial void LogStarted(ILogger logger, Endpoint endpoint, long treeSize, TimeMark.Protocol.Keys.KeyId keyId, string logVerifierKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Build verified: binary_hash {BinaryHash}, source commit {SourceCommit}, build date {BuildDate}")]
    private static partial void LogBuildVerified(ILogger logger, string binaryHash, string sourceCommit, string buildDate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build NOT verified ({Status}): {Detail}")]
    private static partial void LogBuildNotVerified(ILogger logger, BuildStatus status, string detail);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Cause}: stopping the broker so that its supervisor starts it again and the start reopens the log (OnLogFailure: Stop)")]
    private static partial void LogStoppingAfterLogFailure(ILogger logger, string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "TimeMark broker stopped; evidence log closed at {TreeSize} entries with a final checkpoint")]
    private static partial void LogStopped(ILogger logger, long treeSize);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replay windows refilled with {Datagrams} datagrams from the newest evidence-log entries")]
    private static partial void LogReplayWindowSeeded(ILogger logger, int datagrams);
}
