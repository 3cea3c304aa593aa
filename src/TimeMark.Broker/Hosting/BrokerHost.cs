using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TimeMark.Broker.Http;

namespace TimeMark.Broker.Hosting;

/// <summary>
/// Builds the <c>timemark serve</c> process: configuration (JSON file, then
/// TIMEMARK_ environment variables, then command-line flags), console logging,
/// the HTTP API on Kestrel, and the <see cref="BrokerService"/>.
/// </summary>
public static class BrokerHost
{
    public const string DefaultConfigFile = "timemark.json";
    public const string EnvironmentPrefix = "TIMEMARK_";

    /// <summary>Reads and validates the options; the exception lists every problem, each naming its key.</summary>
    /// <param name="configFile">A JSON file that must exist, or null for an optional ./timemark.json.</param>
    /// <param name="flags">Values given on the command line, by configuration key.</param>
    /// <exception cref="BrokerConfigurationException">A value is missing, malformed or out of range, or the file is unreadable.</exception>
    public static (BrokerOptions Options, IConfiguration Configuration) LoadOptions(string? configFile, IReadOnlyDictionary<string, string?> flags)
    {
        IConfiguration configuration;
        var options = new BrokerOptions();
        try
        {
            configuration = new ConfigurationBuilder()
                .SetBasePath(Environment.CurrentDirectory)
                .AddJsonFile(configFile ?? DefaultConfigFile, optional: configFile is null, reloadOnChange: false)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddInMemoryCollection(flags)
                .Build();
            configuration.Bind(options);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException or InvalidDataException)
        {
            throw new BrokerConfigurationException([e.InnerException?.Message is string inner ? $"{e.Message} {inner}" : e.Message], e);
        }

        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
            throw new BrokerConfigurationException(problems);
        return (options, configuration);
    }

    /// <summary>The broker with its HTTP API, ready to run.</summary>
    public static WebApplication Build(BrokerOptions options, IConfiguration configuration)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = Environment.CurrentDirectory });
        builder.Configuration.AddConfiguration(configuration);
        // ASP.NET Core's per-request lines drown the broker's own; the Logging section can bring them back.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });

        Endpoint http = Endpoint.Parse(options.Http);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(http.Address, http.Port));
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BrokerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BrokerService>());

        WebApplication app = builder.Build();
        HttpApi.Map(app);
        return app;
    }
}
