# Widget and end-to-end tests (offscreen). Keep sorted.
lw_add_qt_test(NAME tst_Composer SOURCES tst_Composer.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_ConversationView SOURCES tst_ConversationView.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
lw_add_qt_test(NAME tst_ExamplePane SOURCES tst_ExamplePane.cpp LIBS lw_ui Qt6::Widgets Qt6::Test LABELS ui)
lw_add_qt_test(NAME tst_LoopInspector SOURCES tst_LoopInspector.cpp LIBS lw_ui Qt6::Widgets Qt6::Network LABELS ui)
lw_add_qt_test(NAME tst_MainWindow SOURCES tst_MainWindow.cpp LIBS lw_ui Qt6::Widgets LABELS ui TIMEOUT 180)
lw_add_qt_test(NAME tst_Session SOURCES tst_Session.cpp LIBS lw_ui Qt6::Widgets Qt6::Network LABELS ui TIMEOUT 180)
if(TARGET linewright)
    target_compile_definitions(tst_Session PRIVATE LW_GUI_PATH="$<TARGET_FILE:linewright>")
    add_dependencies(tst_Session linewright)
endif()
lw_add_qt_test(NAME tst_TerminatorEdit SOURCES tst_TerminatorEdit.cpp LIBS lw_ui Qt6::Widgets LABELS ui)
# The windows these tests open record their sessions, as the GUI does by
# default: into the build tree, not the user's (or the test mode's) data folder.
foreach(_t tst_ExamplePane tst_LoopInspector tst_MainWindow tst_Session)
    set_property(TEST ${_t} APPEND PROPERTY ENVIRONMENT "LINEWRIGHT_SESSIONS_DIR=${CMAKE_CURRENT_BINARY_DIR}/recorded-sessions")
endforeach()
