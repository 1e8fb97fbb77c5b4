# Data-layer tests (store, formatters, models, engine bridge). Keep sorted.
# tst_EventLogStore and tst_EventLogModel run plain std::threads next to the
# GUI thread (a reader of the store; the model's index worker, which hands
# its result over through a mutex, not through Qt), so they also run under
# ThreadSanitizer (label `threaded`). tst_EngineBridge has the reactor's
# thread post queued Qt calls: it stays out of TSan runs (false positives
# with Debian's uninstrumented Qt).
lw_add_qt_test(NAME tst_ChannelModel SOURCES tst_ChannelModel.cpp DataTestSupport.h LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_EngineBridge SOURCES tst_EngineBridge.cpp LIBS lw_ui Qt6::Widgets LABELS ui TIMEOUT 180)
lw_add_qt_test(NAME tst_EventLogModel SOURCES tst_EventLogModel.cpp DataTestSupport.h LIBS lw_ui Qt6::Widgets LABELS ui threaded)
lw_add_qt_test(NAME tst_EventLogStore SOURCES tst_EventLogStore.cpp DataTestSupport.h LIBS lw_ui Qt6::Widgets LABELS ui threaded)
lw_add_qt_test(NAME tst_Formatters SOURCES tst_Formatters.cpp DataTestSupport.h LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_UiLatencyMonitor SOURCES tst_UiLatencyMonitor.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
