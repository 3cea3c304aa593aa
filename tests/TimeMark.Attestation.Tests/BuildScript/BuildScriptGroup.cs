namespace TimeMark.Attestation.Tests.BuildScript;

/// <summary>The build-script tests share one <see cref="TwoBuilds"/> and run one after another: each builds for tens of seconds.</summary>
[CollectionDefinition(Name)]
public sealed class BuildScriptGroup : ICollectionFixture<TwoBuilds>
{
    public const string Name = "build script";
}
