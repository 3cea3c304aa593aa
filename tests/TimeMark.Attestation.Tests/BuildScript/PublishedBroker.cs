using System.Text.Json;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary><c>dotnet OUT/timemark.dll serve</c> from a published folder, on free 127.0.0.1 ports, in its own working folder.</summary>
internal sealed class PublishedBroker : ServeProcess
{
    private PublishedBroker(string publishedDirectory) : base(Path.Combine(publishedDirectory, "timemark.dll"))
    {
    }

    public string BaseAddress => Http.BaseAddress!.ToString();

    public static async Task<PublishedBroker> StartAsync(string publishedDirectory)
    {
        var broker = new PublishedBroker(publishedDirectory);
        await broker.StartAsync();
        return broker;
    }

    public async Task<JsonDocument> GetBuildAsync() => JsonDocument.Parse(await Http.GetStringAsync("build"));
}
