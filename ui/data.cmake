# The data layer of lw_ui: the event log store, the models, the engine bridge
# and the formatters (sorted; see CMakeLists.txt).
set(LW_UI_DATA_SOURCES
    ChannelModel.cpp
    ChannelModel.h
    EngineBridge.cpp
    EngineBridge.h
    EventLogModel.cpp
    EventLogModel.h
    EventLogStore.cpp
    EventLogStore.h
    Formatters.cpp
    Formatters.h
    UiLatencyMonitor.cpp
    UiLatencyMonitor.h
)
