# /etc/profile.d/bigdata-labs-path.sh: login shells (JupyterLab's terminal runs `bash -l`) get
# Debian's default PATH from /etc/profile; put the lab's tools back in front of it: pip --user
# scripts, the venv (python, pip, jupyter, pyspark, spark-submit, spark-sql) and Spark's bin.
PATH="${PYTHONUSERBASE:-/home/jovyan/work/.local}/bin:/opt/venv/bin:/opt/spark/bin:/opt/spark/sbin:$PATH"
export PATH
