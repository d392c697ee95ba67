using MailAdmin.Store;

namespace MailAdmin.Engine.Tests.Store;

public sealed class MaildirStoreContractTests : MailStoreContractTests
{
    private readonly TempDirectory root = new();

    protected override IMailStore CreateStoreCore() => new MaildirStore(root.Path, Iterations);

    public override void Dispose()
    {
        base.Dispose();
        root.Dispose();
    }
}
