#ifndef RS_UI_H
#define RS_UI_H
int rs_ui_run(const char *config_path);
#endif
