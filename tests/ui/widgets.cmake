# Widget and end-to-end tests (offscreen). Keep sorted.
lw_add_qt_test(NAME tst_Composer SOURCES tst_Composer.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_ConversationView SOURCES tst_ConversationView.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_ExamplePane SOURCES tst_ExamplePane.cpp LIBS lw_ui Qt6::Widgets Qt6::Test LABELS ui)
lw_add_qt_test(NAME tst_LoopInspector SOURCES tst_LoopInspector.cpp LIBS lw_ui Qt6::Widgets Qt6::Network LABELS ui)
lw_add_qt_test(NAME tst_MainWindow SOURCES tst_MainWindow.cpp LIBS lw_ui Qt6::Widgets LABELS ui TIMEOUT 180)
lw_add_qt_test(NAME tst_TerminatorEdit SOURCES tst_TerminatorEdit.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
