package dev.sluice.limits;

class LocalLimitStoreTest extends LimitStoreContract {

    private final LocalLimitStore store = new LocalLimitStore();

    @Override
    LimitStore store() {
        return store;
    }
}
